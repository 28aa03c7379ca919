"""Sources: turn what a user names into a model or a saved trace. The one place that finds a model by name.

A source is
- a registered model name (`efficientformer_l1`, or one a plugin registers through the `lucid.models` entry points),
- `package.module:attr` or `path/to/file.py:attr`, where attr is a factory function, an `nn.Module` class that can
  be built from the options alone, or a model object,
- a trace saved as `.json` (`lucid-viz MODEL --format json`).

The current directory is importable, as with `python -m`; a file's own folder is importable while it loads, as
when Python runs it. Options go to the factory or class as keyword arguments. Every way this can fail is a
`SourceError` (a ValueError) whose message names the source and what to do; `FactoryError` says the user's own
code raised.

>>> source = resolve("efficientformer_l1", {"num_classes": 10}, meta=True)
>>> source.name, source.default_input_shape, source.model.head.weight.is_meta
('efficientformer_l1', (1, 3, 224, 224), True)
>>> resolve("torch_vision:resnet18")
Traceback (most recent call last):
...
viz.sources.SourceError: torch_vision:resnet18: cannot import module 'torch_vision' (No module named 'torch_vision')
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lucid
import lucid.models as zoo
from lucid import nn
from viz.ir import Shape, Trace


class SourceError(ValueError):
    """A source that cannot be found, loaded or built as asked; the message names it and says what to do."""


class FactoryError(SourceError):
    """The user's factory or model class raised while building the model; the message carries its message."""


@dataclass(frozen=True)
class Source:
    """What a source gave: a model (`trace` None) or a saved trace (`model` None), under the name charts, summaries
    and golden files use, with the input shape the model declares (None when it declares none)."""

    spec: str
    name: str
    model: nn.Module | None = None
    trace: Trace | None = None
    default_input_shape: Shape | None = None


def is_trace_file(spec: str) -> bool:
    return spec.lower().endswith(".json")


def resolve(spec: str, options: Mapping[str, Any] | None = None, *, meta: bool = False) -> Source:
    """The model (or saved trace) `spec` names, built with `options`; with `meta` the model is built shape-only
    (under `lucid.meta()`: parameters have shapes but no memory), which draws the same chart much faster."""
    if not isinstance(spec, str) or not spec.strip():
        raise SourceError(f"name a model: a registered name, module:attr, file.py:attr or a trace .json, got {spec!r}")
    options = dict(options or {})
    if is_trace_file(spec):
        if options:
            raise SourceError(f"{spec}: model options ({', '.join(sorted(options))}) apply to models, not to a trace")
        trace = load_trace(spec)
        return Source(spec, trace.model_name, trace=trace)
    if ":" in spec:
        return _resolve_attr(spec, options, meta)
    return _resolve_registered(spec, options, meta)


def import_module(name: str) -> Any:
    """Import a module by name with the current directory importable (one that registers models, say)."""
    with _importable(None):
        return _import(name, name)


def load_trace(path: str | Path) -> Trace:
    """A trace saved as JSON; unreadable or malformed files are a SourceError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such trace file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read trace file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return Trace.from_json(text)
    except ValueError as exc:
        raise SourceError(f"{path} is not a lucid-viz trace: {exc}") from None


def _resolve_registered(spec: str, options: dict[str, Any], meta: bool) -> Source:
    try:
        entry = zoo.get_model_entry(spec)
    except (TypeError, ValueError) as exc:  # unknown, or a plugin that cannot load: the registry says which
        hint = ""
        if spec.endswith(".py") or "/" in spec or os.sep in spec:
            hint = f"; to draw a model defined in a file, name its factory or class too: {spec}:build_model"
        raise SourceError(f"{exc}{hint}") from None
    _check_options(spec, entry.factory, options)
    try:
        model = _build(lambda: entry.factory(**options), meta)
    except (TypeError, ValueError) as exc:
        # A registered factory validates its options (its config dataclass): a bad value is the user's input.
        raise SourceError(f"{spec}: {exc}") from None
    except Exception as exc:
        raise FactoryError(f"{spec}: building the model failed: {type(exc).__name__}: {exc}") from None
    return Source(spec, entry.name, model=model, default_input_shape=tuple(entry.default_input_shape))


def _resolve_attr(spec: str, options: dict[str, Any], meta: bool) -> Source:
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise SourceError(f"{spec}: write package.module:attr or path/to/file.py:attr")
    looks_like_file = where.endswith(".py") or "/" in where or os.sep in where
    with _importable(Path(where).resolve().parent if looks_like_file else None):
        module = _load_file(spec, Path(where)) if looks_like_file else _import(spec, where)
        target = _attribute(spec, module, attr)
        model = _build_target(spec, target, options, meta)
    name = getattr(model, "model_name", None) or type(model).__name__
    shape = getattr(model, "default_input_shape", None)
    return Source(spec, str(name), model=model, default_input_shape=tuple(shape) if shape is not None else None)


@contextlib.contextmanager
def _importable(folder: Path | None) -> Iterator[None]:
    """The current directory (as with `python -m`) and a source file's folder on sys.path while the source loads and
    builds; sys.path is as it was afterwards."""
    added = [str(p) for p in (Path.cwd(), folder) if p is not None and str(p) not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)


def _import(spec: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise SourceError(f"{spec}: cannot import module {module_name!r} ({exc})") from None
    except Exception as exc:
        raise FactoryError(f"{spec}: importing {module_name!r} failed: {type(exc).__name__}: {exc}") from None


def _load_file(spec: str, path: Path) -> Any:
    if not path.is_file():
        raise SourceError(f"{spec}: no such file {str(path)!r}")
    # A module name of its own, so two files called model.py never see each other's classes.
    name = f"_lucid_viz_source_{abs(hash(str(path.resolve()))):x}_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise SourceError(f"{spec}: {str(path)!r} cannot be loaded as Python source")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # dataclasses and pickling look a class's module up while it is made
    try:
        loader_spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise SourceError(f"{spec}: {path} line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:
        sys.modules.pop(name, None)
        raise FactoryError(f"{spec}: running {path} failed: {type(exc).__name__}: {exc}") from None
    return module


def _attribute(spec: str, module: Any, attr: str) -> Any:
    target = module
    for part in attr.split("."):
        if not hasattr(target, part):
            names = [n for n in dir(target) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            owner = getattr(target, "__name__", type(target).__name__)
            raise SourceError(f"{spec}: {owner!r} has no attribute {part!r}{hint}")
        target = getattr(target, part)
    return target


def _build_target(spec: str, target: Any, options: dict[str, Any], meta: bool) -> nn.Module:
    if isinstance(target, nn.Module):
        if options:
            raise SourceError(
                f"{spec} is a model object, so options ({', '.join(sorted(options))}) cannot build it; "
                "point at its factory function or class instead"
            )
        return target
    if not callable(target):
        raise SourceError(
            f"{spec} is a {type(target).__name__}, not a model: point at a factory function, an nn.Module class "
            "or a model object"
        )
    _check_options(spec, target, options)
    what = "the class" if isinstance(target, type) else "the factory"
    try:
        model = _build(lambda: target(**options), meta)
    except Exception as exc:  # the user's code can raise anything: report it as one line, with its message
        raise FactoryError(f"{spec}: {what} raised {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise SourceError(f"{spec}: {what} returned {type(model).__name__}, not a lucid nn.Module")
    return model


def _check_options(spec: str, factory: Callable[..., Any], options: dict[str, Any]) -> None:
    """Options the factory does not take are the user's mistake, named before anything is built."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return  # a builtin or extension callable: let the call itself say what is wrong
    try:
        signature.bind(**options)
    except TypeError as exc:
        takes = [p.name for p in signature.parameters.values() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
        listed = ", ".join(takes) if takes else "no options"
        raise SourceError(f"{spec}: {exc} (it takes: {listed})") from None


def _build(make: Callable[[], Any], meta: bool) -> Any:
    if not meta:
        return make()
    with lucid.meta():
        return make()
