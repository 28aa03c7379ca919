"""The model registry: one table from a model name to the factory that builds it.

A factory is registered with `@register_model`; `create_model(name, **kwargs)` calls it and
`list_models(pattern)` lists the names. A model built through the registry remembers its name in
`model.model_name` and the input it expects in `model.default_input_shape`, so tools (the tracer,
the CLI) can title and feed it without knowing its family.

Installed packages add models through the `lucid.models` entry-point group, one entry point per model:

    [project.entry-points."lucid.models"]
    tiny_net = "mypkg.nets:tiny_net"

`list_models()` and `is_model()` read only the entry points' names, so no plugin is imported until
`get_model_entry()` or `create_model()` asks for its name. The factory becomes a registry entry under the
entry point's name (with `default_input_shape` from the factory's attribute of that name, if it has one), or,
if its module registered it with `@register_model` under that name, that entry. Discovery is cached per
`sys.path`; call `refresh_plugins()` after installing a package into a folder already on the path.

>>> import lucid.models as models
>>> models.list_models("efficientformer_l*")
['efficientformer_l1', 'efficientformer_l3', 'efficientformer_l7']
>>> model = models.create_model("efficientformer_l1", num_classes=10)
>>> model.model_name, model.default_input_shape
('efficientformer_l1', (1, 3, 224, 224))
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import functools
import importlib
import importlib.metadata
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lucid.nn.module import Module

Factory = TypeVar("Factory", bound=Callable[..., Module])

PLUGIN_GROUP = "lucid.models"
DEFAULT_INPUT_SHAPE = (1, 3, 224, 224)


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
    """One registered model: its name, factory and the metadata tools read without building it.

    `plugin` names the entry point a plugin model came from (`'name = module:attr' (distribution pkg 1.0)`);
    it is None for a model registered in code that no entry point names.
    """

    name: str
    factory: Callable[..., Module]
    family: str
    default_input_shape: tuple[int, ...]
    card: ModelCard | None = field(default=None, compare=False)
    plugin: str | None = field(default=None, compare=False)


_REGISTRY: dict[str, ModelEntry] = {}


def _checked_shape(shape: Any, where: str) -> tuple[int, ...]:
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if not dims or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in dims):
        raise ValueError(f"{where}: default_input_shape must be positive ints, got {shape!r}")
    return dims


def _named_builder(factory: Callable[..., Module], name: str, shape: tuple[int, ...], source: str) -> Callable:
    """Wrap `factory` so every model it returns carries `model_name` and `default_input_shape`."""

    @functools.wraps(factory)
    def build(*args: Any, **kwargs: Any) -> Module:
        model = factory(*args, **kwargs)
        if not isinstance(model, Module):
            raise TypeError(f"model factory {name!r}{source} returned {type(model).__name__}, not an nn.Module")
        # Plain attributes (not parameters or modules): the tracer and the CLI read them.
        model.model_name = name
        model.default_input_shape = shape
        return model

    return build


def _source(entry: ModelEntry) -> str:
    """Where an entry came from, for clash messages."""
    if entry.plugin is not None:
        return f"plugin entry point {entry.plugin}"
    factory = entry.factory
    return f"{factory.__module__}.{factory.__qualname__}"


def register_model(
    fn: Factory | None = None,
    *,
    default_input_shape: tuple[int, ...] = DEFAULT_INPUT_SHAPE,
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
    shape = _checked_shape(default_input_shape, "register_model")

    def decorate(factory: Factory) -> Factory:
        if not callable(factory):
            raise TypeError(f"register_model decorates a factory function, got {type(factory).__name__}")
        name = factory.__name__
        if name in _REGISTRY:
            raise ValueError(
                f"model name {name!r} is already registered (by {_source(_REGISTRY[name])}); rename the factory"
            )
        build = _named_builder(factory, name, shape, "")
        family = factory.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = ModelEntry(name, build, family, shape, card)
        return build  # type: ignore[return-value]

    if fn is not None:
        return decorate(fn)
    return decorate


# ---- plugins: models other packages declare in the `lucid.models` entry-point group ------------------------------


@dataclass(frozen=True)
class _Plugin:
    """One discovered `lucid.models` entry point; nothing of it is imported until `_plugin_entry` loads it."""

    entry_point: importlib.metadata.EntryPoint
    distribution: str  # "name version", for messages

    @property
    def label(self) -> str:
        return f"'{self.entry_point.name} = {self.entry_point.value}' (distribution {self.distribution})"


# (sys.path it was scanned for, entry-point name -> the plugins declaring it)
_discovered: tuple[tuple[str, ...], dict[str, tuple[_Plugin, ...]]] | None = None


def refresh_plugins() -> None:
    """Scan the installed distributions for `lucid.models` entry points again at the next lookup.

    Only needed after installing a package into a folder already on `sys.path`: a changed `sys.path` is
    noticed without it.

    >>> refresh_plugins()
    >>> "efficientformer_l1" in list_models()
    True
    """
    global _discovered
    _discovered = None
    importlib.invalidate_caches()  # a freshly written module must be importable too


def _plugins() -> dict[str, tuple[_Plugin, ...]]:
    global _discovered
    path = tuple(sys.path)
    if _discovered is None or _discovered[0] != path:
        _discovered = (path, _scan_distributions())
    return _discovered[1]


def _distribution_name(dist: importlib.metadata.Distribution) -> str | None:
    try:
        return dist.metadata["Name"] or None
    except Exception:  # metadata this broken still must not stop the listing
        return None


def _distribution_label(dist: importlib.metadata.Distribution) -> str:
    name = _distribution_name(dist)
    if name is None:
        return f"an unnamed distribution in {dist.locate_file('')}"
    return f"{name} {dist.version or '(no version)'}"


def _scan_distributions() -> dict[str, tuple[_Plugin, ...]]:
    """Entry-point names and values from the distributions' metadata files; imports nothing."""
    found: dict[str, list[_Plugin]] = {}
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        try:
            points = dist.entry_points.select(group=PLUGIN_GROUP)
        except Exception as exc:  # one unreadable entry_points.txt must not hide every other model
            warnings.warn(
                f"lucid.models: skipping the plugins of {_distribution_label(dist)}: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            continue
        if not points:
            continue
        name = _distribution_name(dist)
        if name is not None:
            # The first copy of a distribution on sys.path wins, as for imports: a shadowed copy declares nothing.
            key = re.sub(r"[-_.]+", "-", name).lower()
            if key in seen:
                continue
            seen.add(key)
        label = _distribution_label(dist)
        for point in points:
            found.setdefault(point.name, []).append(_Plugin(point, label))
    return {name: tuple(sorted(plugins, key=lambda p: p.label)) for name, plugins in found.items()}


def _clash(name: str, registered: ModelEntry, plugin: _Plugin) -> ValueError:
    return ValueError(
        f"model name {name!r} is defined twice: by {_source(registered)} and by plugin entry point {plugin.label}; "
        "rename the plugin's entry point"
    )


def _plugin_entry(name: str) -> ModelEntry | None:
    """The registry entry for plugin model `name`, importing its plugin on first use; None if no plugin declares it."""
    plugins = _plugins().get(name, ())
    if not plugins:
        return None
    if len(plugins) > 1:
        raise ValueError(
            f"model name {name!r} is declared by {len(plugins)} plugin entry points: "
            f"{' and '.join(p.label for p in plugins)}; uninstall one of the distributions or rename its entry point"
        )
    plugin = plugins[0]
    registered = _REGISTRY.get(name)
    if registered is not None and registered.plugin == plugin.label:
        return registered
    try:
        loaded = plugin.entry_point.load()
    except Exception as exc:  # importing a plugin runs its code, which can raise anything
        if registered is not None:
            raise _clash(name, registered, plugin) from None
        raise ValueError(
            f"plugin entry point {plugin.label} failed to load: {type(exc).__name__}: {exc}; "
            "fix or uninstall that distribution"
        ) from None
    registered = _REGISTRY.get(name)  # the import may have registered it, with @register_model
    if registered is None:
        entry = _plugin_model(name, loaded, plugin)
    elif registered.factory is loaded:
        entry = dataclasses.replace(registered, plugin=plugin.label)
    else:
        raise _clash(name, registered, plugin)
    _REGISTRY[name] = entry
    return entry


def _plugin_model(name: str, factory: Any, plugin: _Plugin) -> ModelEntry:
    """A registry entry for a plain factory an entry point names, built like a `@register_model` one."""
    # A model object is callable too, but calling it runs its forward: it cannot stand for a factory.
    if isinstance(factory, Module) or not callable(factory):
        what = "an nn.Module object" if isinstance(factory, Module) else f"{type(factory).__name__} {factory!r:.60}"
        raise ValueError(
            f"plugin entry point {plugin.label} gives {what}, not a model factory; "
            "point it at a function (or class) that returns an nn.Module"
        )
    where = f"plugin entry point {plugin.label}"
    shape = _checked_shape(getattr(factory, "default_input_shape", DEFAULT_INPUT_SHAPE), where)
    build = _named_builder(factory, name, shape, f" ({where})")
    family = plugin.entry_point.module.rsplit(".", 1)[-1]
    return ModelEntry(name, build, family, shape, plugin=plugin.label)


# ---- lookup ------------------------------------------------------------------------------------------------------


def list_models(pattern: str | None = None) -> list[str]:
    """Model names, registered and declared by plugins, sorted; `pattern` filters with shell wildcards.

    No plugin is imported: a plugin that cannot load is still listed, and fails when its name is asked for.

    >>> list_models("efficientformer_l[13]")
    ['efficientformer_l1', 'efficientformer_l3']
    """
    if pattern is not None and not isinstance(pattern, str):
        raise TypeError(f"list_models: pattern must be a string or None, got {type(pattern).__name__}")
    names = sorted(set(_REGISTRY) | set(_plugins()))
    if pattern is None:
        return names
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


def get_model_entry(name: str) -> ModelEntry:
    """The registry entry for `name` (factory, family, default input shape, card); imports a plugin if it names one."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string, got {type(name).__name__}")
    entry = _plugin_entry(name) or _REGISTRY.get(name)
    if entry is None:
        names = list_models()
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"unknown model {name!r}{hint} (lucid.models.list_models() lists the {len(names)} registered names)"
        )
    return entry


def is_model(name: str) -> bool:
    """Whether `name` is a registered model name or one a plugin declares (without importing the plugin)."""
    return name in _REGISTRY or name in _plugins()


def create_model(name: str, **kwargs: Any) -> Module:
    """Build the registered model `name`; keyword arguments go to its factory.

    >>> model = create_model("efficientformer_l1", num_classes=10)
    >>> type(model).__name__, model.head
    ('EfficientFormer', Linear(in_features=448, out_features=10, bias=True))
    """
    return get_model_entry(name).factory(**kwargs)
