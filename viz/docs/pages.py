"""Page data for the docs, read from the model registry and the models' own code (pure: dicts out).

Every sentence a model page shows comes from the model's code: its `ModelCard` (badges, summary,
architecture notes, example), the docstrings of the model class, its config dataclass and its
factories (Google-style `Args:`, `Attributes:`, `Returns:`, `Validation:` sections), and what
tracing a freshly built model measures (parameters, MACs, the chart).

>>> import lucid.models as models
>>> entry = models.get_model_entry("efficientformer_l1")
>>> page = variant_data(entry, entry.factory(), {"chart": "", "macs": None, "macs_text": ""})
>>> page["total_params_text"]
'11,840,928'
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from typing import Any

from viz.docs.docstrings import parse_docstring
from viz.docs.signatures import (
    dataclass_lines,
    field_default,
    format_annotation,
    format_signature,
    format_value,
    public_name,
    public_path,
)

# The depth the docs charts are drawn at: the one `lucid-viz NAME` uses by default, so pages match the CLI.
CHART_DEPTH = 3


def variant_data(entry: Any, model: Any, measured: dict[str, Any]) -> dict[str, Any]:
    """One factory's page: signature, docs, preset config, plus what tracing its model measured (`measured`)."""
    factory = entry.factory
    doc = parse_docstring(inspect.getdoc(factory))
    sections = doc["sections"]
    signature = inspect.signature(factory)
    documented = {item["name"].lstrip("*"): item for item in sections.get("Args", [])}
    params = []
    for param in signature.parameters.values():
        item = documented.get(param.name, {})
        prefix = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        params.append(
            {
                "name": prefix + param.name,
                "type": item.get("type") or format_annotation(param.annotation),
                "default": None if param.default is param.empty else format_value(param.default),
                "text": item.get("text", ""),
            }
        )
    returns_text = sections.get("Returns", "")
    total = sum(int(p.size) for p in model.parameters())
    config = getattr(model, "config", None)
    return {
        "name": entry.name,
        "family": entry.family,
        "path": public_path(factory),
        "signature": f"{entry.name}{format_signature(factory)}",
        "call_signature": format_signature(factory),
        "summary": doc["summary"],
        "body": doc["body"],
        "params": params,
        "returns": {"type": format_annotation(signature.return_annotation), "text": returns_text},
        "class_name": type(model).__name__,
        "input_shape": list(entry.default_input_shape),
        "total_params": total,
        "total_params_text": f"{total:,}",
        "preset": preset_config(config) if dataclasses.is_dataclass(config) else None,
        "examples": doc["examples"],
        **measured,
    }


def preset_config(config: Any) -> str:
    """The config a factory builds, as the constructor call: required fields and those differing from defaults."""
    cls = type(config)
    lines = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        value = getattr(config, field.name)
        default = field_default(field)
        shown = format_value(value)
        if default is None or shown != default:
            lines.append(f"    {field.name}={shown},")
    if not lines:
        return f"{cls.__name__}()"
    return f"{cls.__name__}(\n" + "\n".join(lines) + "\n)"


def config_data(cls: type) -> dict[str, Any]:
    """A config dataclass's page: signature with defaults, each field explained, validation rules, usage."""
    doc = parse_docstring(inspect.getdoc(cls))
    sections = doc["sections"]
    documented = {item["name"]: item for item in sections.get("Attributes", [])}
    fields = []
    for field in dataclasses.fields(cls):
        item = documented.get(field.name, {})
        fields.append(
            {
                "name": field.name,
                "type": format_annotation(field.type),
                "default": field_default(field),
                "text": item.get("text", ""),
            }
        )
    params = getattr(cls, "__dataclass_params__", None)
    frozen = bool(params is not None and params.frozen)
    return {
        "name": cls.__name__,
        "path": public_path(cls),
        "decorator": "@dataclass(frozen=True)" if frozen else "@dataclass",
        "lines": dataclass_lines(cls),
        "summary": doc["summary"],
        "body": doc["body"],
        "fields": fields,
        "validation": sections.get("Validation", ""),
        "raises": sections.get("Raises", []),
        "examples": doc["examples"],
        "properties": _properties(cls),
    }


def _properties(cls: type) -> list[dict[str, str]]:
    # Derived read-only values (e.g. the effective downsampling schedule) are part of what a config offers.
    found = []
    for name, value in sorted(vars(cls).items()):
        if isinstance(value, property) and not name.startswith("_"):
            found.append({"name": name, "text": parse_docstring(inspect.getdoc(value))["summary"]})
    return found


def config_class_of(model_cls: type) -> type | None:
    """The dataclass the model's constructor takes (its `config` argument), if any."""
    try:
        hints = typing.get_type_hints(model_cls.__init__)
    except (NameError, TypeError):
        return None
    for name in ("config", "cfg"):
        hint = hints.get(name)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return hint
    return None


def family_data(entries: list[Any], variants: list[dict[str, Any]], model_cls: type) -> dict[str, Any]:
    """A family's page: card metadata, the model class signature and parameters, the default variant's chart."""
    card = entries[0].card
    class_doc = parse_docstring(inspect.getdoc(model_cls))
    init_doc = parse_docstring(inspect.getdoc(model_cls.__init__)) if "__init__" in vars(model_cls) else None
    documented = {item["name"]: item for item in class_doc["sections"].get("Args", [])}
    if init_doc and model_cls.__init__.__doc__:
        documented.update({item["name"]: item for item in init_doc["sections"].get("Args", [])})
    signature = inspect.signature(model_cls.__init__)
    params = []
    for param in list(signature.parameters.values())[1:]:
        item = documented.get(param.name, {})
        params.append(
            {
                "name": param.name,
                "type": item.get("type") or format_annotation(param.annotation),
                "default": None if param.default is param.empty else format_value(param.default),
                "text": item.get("text", ""),
            }
        )
    config_cls = config_class_of(model_cls)
    default = variants[0]
    bases = ", ".join(public_name(base) for base in model_cls.__bases__)
    architecture = list(getattr(card, "architecture", ()) or ())
    if not architecture and "Architecture" in class_doc["sections"]:
        architecture = [("", class_doc["sections"]["Architecture"])]
    card_example = getattr(card, "example", "") or ""
    return {
        "slug": entries[0].family,
        "title": getattr(card, "title", "") or model_cls.__name__,
        "badges": list(getattr(card, "badges", ()) or ()),
        "summary": getattr(card, "summary", "") or class_doc["summary"],
        "body": [] if getattr(card, "summary", "") else class_doc["body"],
        "architecture_intro": getattr(card, "architecture_intro", "") or "",
        "architecture": [{"heading": heading, "text": text} for heading, text in architecture],
        "examples": [card_example] if card_example else class_doc["examples"],
        "class_name": model_cls.__name__,
        "class_path": public_path(model_cls),
        "class_bases": bases,
        "init_signature": f"def __init__{format_signature(model_cls.__init__)}",
        "call_signature": format_signature(model_cls.__init__, skip_self=True).split(" -> ")[0],
        "params": params,
        "config": config_data(config_cls) if config_cls is not None else None,
        "default_variant": default["name"],
        "chart": default["chart"],
        "variants": variants,
    }


def group_by_family(entries: list[Any]) -> dict[str, list[Any]]:
    """Registry entries by family, families and their variants in name order (deterministic)."""
    families: dict[str, list[Any]] = {}
    for entry in sorted(entries, key=lambda e: e.name):
        families.setdefault(entry.family, []).append(entry)
    return dict(sorted(families.items()))
