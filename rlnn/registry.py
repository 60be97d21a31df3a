"""One small registry class shared by activations, losses, optimizers, schedules, initializers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to constructors so that a config or a CLI flag maps straight to an object.

    A spec is a name (``"adam"``) or a dict (``{"name": "adam", "lr": 3e-4}``).

    Args:
        kind: what the registry holds, used in error messages (``"optimizer"``).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[..., T]] = {}

    def register(self, name: str, *aliases: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator that registers a class or factory under ``name`` and its aliases."""

        def decorator(obj: Callable[..., T]) -> Callable[..., T]:
            for key in (name, *aliases):
                if key in self._entries:
                    raise ValueError(f"{self.kind} {key!r} is registered twice")
                self._entries[key] = obj
            if isinstance(obj, type) and "registry_name" not in obj.__dict__:
                obj.registry_name = name
            return obj

        return decorator

    def names(self) -> list[str]:
        """Every registered name (aliases included), sorted."""
        return sorted(self._entries)

    def canonical_names(self) -> list[str]:
        """One name per registered object (no aliases), sorted; the test matrix."""
        seen: dict[int, str] = {}
        for key, obj in self._entries.items():
            seen.setdefault(id(obj), key)
        return sorted(seen.values())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def lookup(self, name: str) -> Callable[..., T]:
        """The constructor registered under ``name``.

        Raises:
            ValueError: the name is unknown; the message lists the valid names.
        """
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown {self.kind} {name!r}; expected one of {self.names()}"
            ) from None

    def get(self, spec: str | dict[str, Any] | T, *args: Any, **kwargs: Any) -> T:
        """Build an object from a spec; an already-built object is returned as it is.

        Args:
            spec: a name, a dict with a ``"name"`` key and keyword arguments, or an object.
            *args: positional arguments for the constructor (optimizers take their params).
            **kwargs: keyword arguments; they override those in a dict spec.
        """
        if isinstance(spec, str):
            return self.lookup(spec)(*args, **kwargs)
        if isinstance(spec, dict):
            if "name" not in spec:
                raise ValueError(f"a {self.kind} spec dict needs a 'name' key, got {spec!r}")
            params = {k: v for k, v in spec.items() if k != "name"}
            params.update(kwargs)
            return self.lookup(spec["name"])(*args, **params)
        if callable(spec) or hasattr(spec, "config"):
            return spec  # type: ignore[return-value]
        raise ValueError(f"a {self.kind} spec must be a name or a dict, got {spec!r}")

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self.canonical_names())} entries)"
