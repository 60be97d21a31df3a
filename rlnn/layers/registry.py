"""The layer registry: rebuilds any layer or model from its ``config()``."""

from __future__ import annotations

from typing import Any

from rlnn.layers.base import Layer
from rlnn.registry import Registry

registry: Registry[Layer] = Registry("layer")


def build(spec: str | dict[str, Any] | Layer) -> Layer:
    """Build a layer from a spec: a layer name, an activation name, or a config dict."""
    from rlnn import activations

    if isinstance(spec, Layer):
        return spec
    name = spec if isinstance(spec, str) else spec.get("name") if isinstance(spec, dict) else None
    if name in registry:
        return registry.get(spec)
    if name in activations.registry:
        return activations.get(spec)
    raise ValueError(
        f"unknown layer {name!r}; expected a layer in {registry.names()} or an "
        f"activation in {activations.names()}"
    )
