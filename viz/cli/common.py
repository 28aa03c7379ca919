"""What every `lucid-viz` command shares: its errors (and their exit codes), the argument parser that raises them,
reading input shapes and model options, and turning a source into a Trace."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from viz.ir import Trace
from viz.sources import FactoryError, Source, SourceError, resolve

DTYPES = ("float32", "float64", "int64", "int32")


class UsageError(Exception):
    """Bad command-line input: exit code 2."""


class ModelError(Exception):
    """The model could not be built or could not run on the input: exit code 1."""


class Parser(argparse.ArgumentParser):
    """An argparse parser whose mistakes are UsageErrors (one line, exit 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Inputs:
    """The positional inputs asked for on the command line: one shape each, with its dtype."""

    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[str, ...]


def parse_inputs(texts: list[str] | None, flag: str = "--input-shape") -> Inputs | None:
    """`--input-shape 1,3,224,224` (repeatable, one per positional input); `2,128:int64` gives integer inputs."""
    if texts is None:
        return None
    shapes, dtypes = [], []
    for text in texts:
        shape_text, _, dtype = text.partition(":")
        dtype = dtype.strip() or "float32"
        if dtype not in DTYPES:
            raise UsageError(f"{flag} {text!r}: dtype {dtype!r} is not one of {', '.join(DTYPES)}")
        shapes.append(parse_shape(shape_text, flag, text))
        dtypes.append(dtype)
    return Inputs(tuple(shapes), tuple(dtypes))


def parse_shape(text: str, flag: str = "--input-shape", given: str | None = None) -> tuple[int, ...]:
    shown = text if given is None else given
    parts = [p.strip() for p in text.replace("x", ",").split(",")]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise UsageError(f"{flag} {shown!r} is not a list of integers; write e.g. 1,3,224,224") from None
    if any(s <= 0 for s in shape):
        raise UsageError(f"{flag} {shown!r} must contain only positive sizes, e.g. 1,3,224,224")
    return shape


def parse_options(items: list[str], flag: str = "--set") -> dict[str, Any]:
    """Model options given as KEY=VALUE; a value is read as JSON when it parses (10, 0.1, true, [1, 2]), else as
    text. A key given twice, and NaN or infinite numbers, are errors: a model built from them is not the one asked."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise UsageError(f"{flag} {item!r} must look like KEY=VALUE, e.g. drop_rate=0.1")
        if key in options:
            raise UsageError(f"{flag} gives {key} twice ({options[key]!r} and {raw!r}); give it once")
        try:
            value = json.loads(raw, parse_constant=_refuse_constant)
        except json.JSONDecodeError:
            value = raw
        except ValueError as exc:
            raise UsageError(f"{flag} {item!r}: {exc}") from None
        if _has_non_finite(value):
            raise UsageError(f"{flag} {item!r}: the value is not a finite number")
        options[key] = value
    return options


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a usable option value; give a finite number")


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_has_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    return False


def load_source(spec: str, options: dict[str, Any], real: bool = False) -> Source:
    """The model or saved trace `spec` names; shape-only unless `real` (see viz.sources)."""
    try:
        return resolve(spec, options, meta=not real)
    except FactoryError as exc:
        raise ModelError(str(exc)) from None
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def trace_source(
    source: Source,
    inputs: Inputs | None = None,
    *,
    real: bool = False,
    mode: str = "eval",
    partial: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Trace:
    """The Trace of a source: a saved trace as it is, a model traced on `inputs` (default: the shape it declares).

    A failing forward is a ModelError, or with `partial` the trace up to the failure (`warn` is told why)."""
    if source.trace is not None:
        if inputs is not None or mode != "eval" or real:
            raise UsageError(f"{source.spec} is a saved trace: --input-shape, --mode and --real apply to models")
        return source.trace
    from viz.trace import TracingError, trace

    assert source.model is not None
    shapes: Any = source.default_input_shape
    dtypes: Any = None
    if inputs is not None:
        shapes = inputs.shapes[0] if len(inputs.shapes) == 1 else inputs.shapes
        dtypes = inputs.dtypes if any(d != "float32" for d in inputs.dtypes) else None
    if shapes is None:
        raise UsageError(f"{source.spec} declares no input shape; give one, e.g. --input-shape 1,3,224,224")
    try:
        return trace(source.model, input_shape=shapes, input_dtypes=dtypes, meta=not real, mode=mode, name=source.name)
    except TracingError as exc:
        if partial:
            if warn is not None:
                warn(f"{source.spec}: {exc}; drawing the partial trace")
            return exc.partial
        raise ModelError(f"{source.spec}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{source.spec}: {exc}") from None
