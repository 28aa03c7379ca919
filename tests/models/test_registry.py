"""lucid.models registry: listing, lookup with suggestions, registration rules, names remembered by models."""

from __future__ import annotations

import pytest

import lucid
import lucid.models as models
from lucid import nn
from lucid.models import registry


class _Tiny(nn.Module):
    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.fc(x)


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A copy of the registry, so test registrations vanish afterwards."""
    table = dict(registry._REGISTRY)
    monkeypatch.setattr(registry, "_REGISTRY", table)
    return table


def test_list_models_is_sorted_and_filters_with_wildcards() -> None:
    names = models.list_models()
    assert names == sorted(names)
    assert {"efficientformer_l1", "efficientformer_l3", "efficientformer_l7"} <= set(names)
    assert models.list_models("efficientformer_l[13]") == ["efficientformer_l1", "efficientformer_l3"]
    assert models.list_models("no_such_family_*") == []


def test_unknown_name_suggests_the_closest_names() -> None:
    with pytest.raises(ValueError, match=r"unknown model 'efficientformer_l2'.*did you mean 'efficientformer_l"):
        models.create_model("efficientformer_l2")
    with pytest.raises(ValueError, match="unknown model 'zzz'") as info:
        models.create_model("zzz")
    assert "did you mean" not in str(info.value)


def test_registry_entry_holds_metadata_for_tools() -> None:
    entry = models.get_model_entry("efficientformer_l1")
    assert entry.name == "efficientformer_l1"
    assert entry.family == "efficientformer"
    assert entry.default_input_shape == (1, 3, 224, 224)
    assert entry.card is not None and entry.card.badges == ("Transformer", "Vision Transformer")
    assert models.is_model("efficientformer_l1") and not models.is_model("efficientformer")


def test_factory_models_remember_their_name_and_config_models_do_not(scratch_registry: dict) -> None:
    @models.register_model(default_input_shape=(2, 4))
    def tiny_for_registry_test(num_classes: int = 3) -> nn.Module:
        return _Tiny(num_classes)

    model = models.create_model("tiny_for_registry_test", num_classes=5)
    assert model.model_name == "tiny_for_registry_test"
    assert model.default_input_shape == (2, 4)
    assert model.fc.out_features == 5
    # Calling the decorated function directly also names the model.
    assert tiny_for_registry_test().model_name == "tiny_for_registry_test"
    # A model built without the registry falls back to its class name, as the tracer reads it.
    assert getattr(_Tiny(), "model_name", type(_Tiny()).__name__) == "_Tiny"


def test_bare_decorator_uses_image_input_default(scratch_registry: dict) -> None:
    @models.register_model
    def tiny_bare_for_registry_test() -> nn.Module:
        return _Tiny()

    assert models.get_model_entry("tiny_bare_for_registry_test").default_input_shape == (1, 3, 224, 224)
    assert "tiny_bare_for_registry_test" in models.list_models("tiny_*")


def test_registering_a_name_twice_is_an_error(scratch_registry: dict) -> None:
    def efficientformer_l1() -> nn.Module:
        return _Tiny()

    with pytest.raises(ValueError, match="'efficientformer_l1' is already registered"):
        models.register_model(efficientformer_l1)


def test_factory_must_return_a_module(scratch_registry: dict) -> None:
    @models.register_model
    def not_a_model_for_registry_test() -> nn.Module:
        return 42  # type: ignore[return-value]

    with pytest.raises(TypeError, match=r"returned int, not an nn\.Module"):
        models.create_model("not_a_model_for_registry_test")


def test_bad_default_input_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="default_input_shape"):
        models.register_model(default_input_shape=(1, 0, 3))
