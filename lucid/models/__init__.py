"""The model zoo: a registry of named factories and the architectures they build.

>>> import lucid.models as models
>>> models.list_models()
['efficientformer_l1', 'efficientformer_l3', 'efficientformer_l7']
>>> model = models.create_model("efficientformer_l1", num_classes=10)
"""

from lucid.models import efficientformer
from lucid.models.efficientformer import (
    EfficientFormer,
    EfficientFormerConfig,
    efficientformer_l1,
    efficientformer_l3,
    efficientformer_l7,
)
from lucid.models.registry import (
    ModelCard,
    ModelEntry,
    create_model,
    get_model_entry,
    is_model,
    list_models,
    refresh_plugins,
    register_model,
)

__all__ = [
    "EfficientFormer",
    "EfficientFormerConfig",
    "ModelCard",
    "ModelEntry",
    "create_model",
    "efficientformer",
    "efficientformer_l1",
    "efficientformer_l3",
    "efficientformer_l7",
    "get_model_entry",
    "is_model",
    "list_models",
    "refresh_plugins",
    "register_model",
]
