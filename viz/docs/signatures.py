"""Format Python signatures, annotations and values the way a reader of lucid writes them.

Classes from lucid.nn print as `nn.Name` (how model code spells them), other classes by their name;
string annotations (from `from __future__ import annotations`) print as written.

>>> def f(a: int, b: tuple[int, ...] = (1, 2), *args: float, c: bool = False, **kw: str) -> None: ...
>>> format_signature(f)
'(a: int, b: tuple[int, ...] = (1, 2), *args: float, c: bool = False, **kw: str) -> None'
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
from collections.abc import Callable
from typing import Any

_EMPTY = inspect.Parameter.empty


def public_name(cls: type) -> str:
    """`nn.Conv2d` for lucid.nn classes, `Name` for builtins and everything else."""
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", getattr(cls, "__name__", repr(cls)))
    if module == "lucid.nn" or module.startswith("lucid.nn."):
        return f"nn.{name}"
    return name


def public_path(cls: type) -> str:
    """The shortest importable path that names `cls`: `lucid.models.EfficientFormer` rather than the defining file."""
    module = cls.__module__
    parts = module.split(".")
    # Walk up the package chain; the highest package that re-exports the very same object wins.
    for cut in range(1, len(parts)):
        package = sys.modules.get(".".join(parts[:cut]))
        if package is not None and getattr(package, cls.__name__, None) is cls:
            return f"{package.__name__}.{cls.__name__}"
    return f"{module}.{cls.__qualname__}"


def format_annotation(annotation: Any) -> str:
    if annotation is _EMPTY:
        return ""
    if isinstance(annotation, str):
        return annotation
    if annotation is None or annotation is type(None):
        return "None"
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return public_name(annotation)
    # Generic aliases (list[int], Sequence[int] | None, ...) print well on their own once "typing." is dropped.
    return repr(annotation).replace("typing.", "").replace("collections.abc.", "")


def format_value(value: Any) -> str:
    """A default value as code: classes and functions by name, enums by member, the rest by repr."""
    if isinstance(value, type):
        return public_name(value)
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__
    return repr(value)


def format_signature(fn: Callable[..., Any], skip_self: bool = False) -> str:
    """`(a: int, *, b: str = 'x') -> None` for a function, from its signature and annotations."""
    signature = inspect.signature(fn)
    parts: list[str] = []
    star_done = False
    for index, param in enumerate(signature.parameters.values()):
        if skip_self and index == 0 and param.name in ("self", "cls"):
            continue
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        prefix = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        if param.kind is param.VAR_POSITIONAL:
            star_done = True
        text = prefix + param.name
        annotation = format_annotation(param.annotation)
        if annotation:
            text += f": {annotation}"
        if param.default is not _EMPTY:
            text += f" = {format_value(param.default)}" if annotation else f"={format_value(param.default)}"
        parts.append(text)
    result = "(" + ", ".join(parts) + ")"
    returns = format_annotation(signature.return_annotation)
    if returns:
        result += f" -> {returns}"
    return result


def dataclass_lines(cls: type) -> list[str]:
    """The class body of a dataclass as source lines: `name: type` or `name: type = default`."""
    lines = []
    for field in dataclasses.fields(cls):
        text = f"{field.name}: {format_annotation(field.type)}"
        default = field_default(field)
        if default is not None:
            text += f" = {default}"
        lines.append(text)
    return lines


def field_default(field: dataclasses.Field) -> str | None:
    """A dataclass field's default as code, `factory()` for default factories, None when required."""
    if field.default is not dataclasses.MISSING:
        return format_value(field.default)
    if field.default_factory is not dataclasses.MISSING:
        return f"{format_value(field.default_factory)}()"
    return None
