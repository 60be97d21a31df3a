"""Command lines from config dataclasses: each field a ``--kebab-case`` flag whose help is the
string literal written under the field (CleanRL's style)."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import re
import textwrap
import types
import typing
from typing import Any


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, by field name."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    docs = {}
    for node, nxt in zip(tree.body, tree.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(node.target, ast.Name)
        ):
            docs[node.target.id] = " ".join(str(nxt.value.value).split())
    return docs


def _parse_list(text: str) -> list[int | str]:
    """Comma-separated items: integers as ints, anything else as its stripped text (the
    config's own check says whether it is valid there)."""
    items = [v.strip() for v in text.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected comma-separated items, got {text!r}")
    return [int(v) if re.fullmatch(r"[+-]?\d+", v) else v for v in items]


def _parse_dict(text: str) -> dict[str, Any]:
    """``key=value,key=value``: values as Python literals (numbers, True/False; ``true`` and
    ``false`` too), else as text."""
    out: dict[str, Any] = {}
    for item in (v.strip() for v in text.split(",") if v.strip()):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise argparse.ArgumentTypeError(f"expected key=value,key=value, got {text!r}")
        value = {"true": "True", "false": "False"}.get(value.strip().lower(), value.strip())
        try:
            out[key.strip()] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key.strip()] = value
    return out


def _base_type(annotation: Any) -> Any:
    """``int | None`` -> int; ``list[int]`` -> list."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0]) if args else str
    return origin or annotation


def add_dataclass_arguments(
    parser: argparse.ArgumentParser,
    cls: type,
    skip: tuple[str, ...] = (),
    shown_defaults: dict[str, Any] | None = None,
) -> None:
    """Add one flag per field of ``cls``; defaults are left as None so that callers can tell
    which flags were given (and apply presets under them). The help shows
    ``shown_defaults[name]`` where given (the values a preset will use), else the field's
    default."""
    docs = field_docs(cls)
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = _base_type(hints[f.name])
        help_text = docs.get(f.name, "")
        default = (
            f.default
            if f.default is not dataclasses.MISSING
            else (f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        )
        if shown_defaults is not None and f.name in shown_defaults:
            default = shown_defaults[f.name]
        if isinstance(default, list):
            default = ",".join(str(v) for v in default)
        if isinstance(default, dict):
            default = ",".join(f"{k}={v}" for k, v in default.items()) or None
        help_text += (
            f" (default: {default})" if default is not None and default is not False else ""
        )
        if kind is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        elif kind is dict:
            parser.add_argument(
                flag, type=_parse_dict, default=None, help=help_text, metavar="K=V,K=V"
            )
        elif kind is list:
            parser.add_argument(flag, type=_parse_list, default=None, help=help_text, metavar="N,N")
        else:
            parser.add_argument(flag, type=kind, default=None, help=help_text)


def given(namespace: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The fields of ``cls`` that were given on the command line."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in vars(namespace).items() if k in names and v is not None}
