"""The model registry: one table from a model name to the factory that builds it.

A factory is registered with `@register_model`; `create_model(name, **kwargs)` calls it and
`list_models(pattern)` lists the names. A model built through the registry remembers its name in
`model.model_name` and the input it expects in `model.default_input_shape`, so tools (the tracer,
the CLI) can title and feed it without knowing its family.

>>> import lucid.models as models
>>> models.list_models("efficientformer_l*")
['efficientformer_l1', 'efficientformer_l3', 'efficientformer_l7']
>>> model = models.create_model("efficientformer_l1", num_classes=10)
>>> model.model_name, model.default_input_shape
('efficientformer_l1', (1, 3, 224, 224))
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lucid.nn.module import Module

Factory = TypeVar("Factory", bound=Callable[..., Module])


@dataclass(frozen=True)
class ModelCard:
    """What the docs generator shows about a model family: badges, a summary, architecture notes."""

    title: str
    badges: tuple[str, ...] = ()
    summary: str = ""
    # (heading, text) pairs, in reading order.
    architecture: tuple[tuple[str, str], ...] = ()
    example: str = ""


@dataclass(frozen=True)
class ModelEntry:
    """One registered model: its name, factory and the metadata tools read without building it."""

    name: str
    factory: Callable[..., Module]
    family: str
    default_input_shape: tuple[int, ...]
    card: ModelCard | None = field(default=None, compare=False)


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    fn: Factory | None = None,
    *,
    default_input_shape: tuple[int, ...] = (1, 3, 224, 224),
    card: ModelCard | None = None,
) -> Any:
    """Register a factory under its function name; use bare (`@register_model`) or with options.

    The registered function is wrapped so that every model it returns carries `model_name` and
    `default_input_shape`. Registering a name twice is an error: names are the public key.

    >>> @register_model(default_input_shape=(1, 4))
    ... def tiny_linear(num_classes: int = 10) -> nn.Module:
    ...     return nn.Linear(4, num_classes)
    >>> create_model("tiny_linear", num_classes=3).model_name
    'tiny_linear'
    """
    shape = tuple(default_input_shape)
    if not shape or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in shape):
        raise ValueError(f"register_model: default_input_shape must be positive ints, got {default_input_shape!r}")

    def decorate(factory: Factory) -> Factory:
        if not callable(factory):
            raise TypeError(f"register_model decorates a factory function, got {type(factory).__name__}")
        name = factory.__name__
        if name in _REGISTRY:
            other = _REGISTRY[name].factory
            raise ValueError(
                f"model name {name!r} is already registered (by {other.__module__}.{other.__qualname__}); "
                "rename the factory"
            )

        @functools.wraps(factory)
        def build(*args: Any, **kwargs: Any) -> Module:
            model = factory(*args, **kwargs)
            if not isinstance(model, Module):
                raise TypeError(f"model factory {name!r} returned {type(model).__name__}, not an nn.Module")
            # Plain attributes (not parameters or modules): the tracer and the CLI read them.
            model.model_name = name
            model.default_input_shape = shape
            return model

        family = factory.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = ModelEntry(name, build, family, shape, card)
        return build  # type: ignore[return-value]

    if fn is not None:
        return decorate(fn)
    return decorate


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model names, sorted; `pattern` filters with shell wildcards (`"efficientformer_*"`)."""
    names = sorted(_REGISTRY)
    if pattern is None:
        return names
    if not isinstance(pattern, str):
        raise TypeError(f"list_models: pattern must be a string or None, got {type(pattern).__name__}")
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


def get_model_entry(name: str) -> ModelEntry:
    """The registry entry for `name` (factory, family, default input shape, card)."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string, got {type(name).__name__}")
    entry = _REGISTRY.get(name)
    if entry is None:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"unknown model {name!r}{hint} (lucid.models.list_models() lists the {len(_REGISTRY)} registered names)"
        )
    return entry


def is_model(name: str) -> bool:
    """Whether `name` is a registered model name."""
    return name in _REGISTRY


def create_model(name: str, **kwargs: Any) -> Module:
    """Build the registered model `name`; keyword arguments go to its factory.

    >>> model = create_model("efficientformer_l1", num_classes=10)
    >>> type(model).__name__, model.head
    ('EfficientFormer', Linear(in_features=448, out_features=10, bias=True))
    """
    return get_model_entry(name).factory(**kwargs)
