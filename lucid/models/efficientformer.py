"""EfficientFormer: a hybrid of convolutional meta-blocks and attention blocks at MobileNet latency.

Paper: Yanyu Li, Geng Yuan, Yang Wen, Ju Hu, Georgios Evangelidis, Sergey Tulyakov, Yanzhi Wang,
Jian Ren. "EfficientFormer: Vision Transformers at MobileNet Speed". NeurIPS 2022.
https://arxiv.org/abs/2206.01191

The structure and parameter names follow timm's `efficientformer.py` (the reference implementation),
so the paper's released weights, in timm's layout, load after `convert_timm_state_dict`.

>>> import lucid, lucid.models as models
>>> model = models.efficientformer_l1(num_classes=10).eval()
>>> with lucid.no_grad():
...     model(lucid.randn(1, 3, 224, 224)).shape
(1, 10)
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from lucid import nn
from lucid.models.efficientformer_blocks import ATTENTION_RESOLUTION, _Attention, _EfficientFormerStage
from lucid.models.efficientformer_config import DEPTHS, NUM_VIT, WIDTHS, EfficientFormerConfig
from lucid.models.registry import ModelCard, register_model
from lucid.nn import init
from lucid.tensor import Tensor

__all__ = [
    "EfficientFormer",
    "EfficientFormerConfig",
    "convert_timm_state_dict",
    "efficientformer_l1",
    "efficientformer_l3",
    "efficientformer_l7",
]

# ---- what the docs show -------------------------------------------------------------------

CARD = ModelCard(
    title="EfficientFormer",
    badges=("Transformer", "Vision Transformer"),
    summary=(
        "The EfficientFormer module implements a lightweight hybrid vision architecture that combines "
        "convolutional meta-blocks and transformer-style token blocks in a hierarchical pipeline. Model "
        "structure is defined through EfficientFormerConfig."
    ),
    architecture=(
        # A part with no heading is a lead-in sentence for the parts that follow.
        ("", "EfficientFormer uses a stage-wise hybrid design:"),
        ("Convolutional Stem", "Two strided convolutions convert the image into a stage-1 feature map."),
        (
            "MetaBlock Stages",
            "Early stages use 2D pooling-based meta-blocks with convolutional MLPs. The final stage can switch "
            "the last num_vit blocks to token-space attention blocks.",
        ),
        (
            "Hierarchical Downsampling",
            "Stage widths increase progressively through the network. Downsampling is configurable per stage.",
        ),
        ("Classification Head", "The final token or pooled sequence is normalized and projected to num_classes."),
    ),
    example=(
        ">>> import lucid.models as models\n"
        ">>> config = models.EfficientFormerConfig(\n"
        "...     depths=(3, 2, 6, 4),\n"
        "...     embed_dims=(48, 96, 224, 448),\n"
        "...     num_classes=1000,\n"
        "...     num_vit=1,\n"
        "... )\n"
        ">>> model = models.EfficientFormer(config)"
    ),
)

# ---- the model ----------------------------------------------------------------------------


class EfficientFormer(nn.Module):
    """EfficientFormer image classifier: conv stem, pooling meta-block stages, attention blocks, linear head.

    `forward_features` returns the normalised tokens of the last stage, (N, L, C);
    `forward_head` averages them (when `global_pool`) and applies the classifier.

    Args:
        config (EfficientFormerConfig): Configuration object describing the stage depths, stage widths,
            downsampling schedule, number of final-stage token blocks, and classifier settings.

    >>> config = EfficientFormerConfig(depths=(1, 1), embed_dims=(8, 16), num_vit=1, num_classes=5)
    >>> EfficientFormer(config)(lucid.randn(2, 3, 56, 56)).shape
    (2, 5)
    """

    card = CARD

    def __init__(self, config: EfficientFormerConfig) -> None:
        super().__init__()
        if not isinstance(config, EfficientFormerConfig):
            raise TypeError(f"EfficientFormer takes an EfficientFormerConfig, got {type(config).__name__}")
        self.config = config
        self.num_classes = config.num_classes
        self.global_pool = config.global_pool
        self.num_features = config.embed_dims[-1]
        widths, norm_layer = config.embed_dims, config.norm_layer

        self.stem = nn.Sequential(
            {
                "conv1": nn.Conv2d(config.in_channels, widths[0] // 2, kernel_size=3, stride=2, padding=1),
                "norm1": norm_layer(widths[0] // 2),
                "act1": nn.ReLU(),
                "conv2": nn.Conv2d(widths[0] // 2, widths[0], kernel_size=3, stride=2, padding=1),
                "norm2": norm_layer(widths[0]),
                "act2": nn.ReLU(),
            }
        )
        # Stochastic depth grows linearly over all blocks of the network.
        rates = np.linspace(0.0, config.drop_path_rate, sum(config.depths)).tolist()
        last = len(config.depths) - 1
        stages, start, prev = [], 0, widths[0]
        for i, depth in enumerate(config.depths):
            stages.append(
                _EfficientFormerStage(
                    prev, widths[i], depth,
                    downsample=config.stage_downsamples[i],
                    flatten=i == last,
                    num_vit=config.num_vit if i == last else 0,
                    drop_path=rates[start : start + depth],
                    pool_size=config.pool_size,
                    mlp_ratio=config.mlp_ratios,
                    act_layer=config.act_layer,
                    norm_layer=norm_layer,
                    norm_layer_cl=config.norm_layer_cl,
                    proj_drop=config.proj_drop_rate,
                    layer_scale_init_value=config.layer_scale_init_value,
                )
            )  # fmt: skip
            start, prev = start + depth, widths[i]
        self.stages = nn.Sequential(*stages)
        self.norm = config.norm_layer_cl(self.num_features)
        self.head_drop = nn.Dropout(config.drop_rate)
        self.head = nn.Linear(self.num_features, config.num_classes) if config.num_classes > 0 else nn.Identity()

        # Attention blocks name themselves in errors by their path in this model.
        self._attention_path: str | None = None
        for name, module in self.named_modules():
            if isinstance(module, _Attention):
                module.qualified_name = name
                self._attention_path = self._attention_path or name
        # Each stride-2 convolution (two in the stem, one per downsampling stage) halves the grid.
        self._halvings = 2 + sum(config.stage_downsamples)
        self.apply(_init_weights)

    def _check_input(self, x: Tensor) -> None:
        if not isinstance(x, Tensor):
            raise TypeError(f"EfficientFormer expects a lucid Tensor, got {type(x).__name__}")
        channels = self.config.in_channels
        if x.ndim != 4 or x.shape[1] != channels:
            raise ValueError(f"stem.conv1: expected input of shape (N, {channels}, H, W), got shape {x.shape}")
        if self._attention_path is None:
            return
        height, width = x.shape[2:]
        grid_h, grid_w = height, width
        for _ in range(self._halvings):
            grid_h, grid_w = (grid_h - 1) // 2 + 1, (grid_w - 1) // 2 + 1
        res = ATTENTION_RESOLUTION
        if (grid_h, grid_w) != (res, res):
            scale = 2**self._halvings
            raise ValueError(
                f"{self._attention_path}: expected {res * res} tokens ({res}×{res} attention grid), got "
                f"{grid_h * grid_w} (input {height}×{width}); use inputs of {(res - 1) * scale + 1} to "
                f"{res * scale} pixels per side, e.g. {res * scale}×{res * scale}"
            )

    def forward_features(self, x: Tensor) -> Tensor:
        """Image (N, C, H, W) -> normalised tokens of the last stage (N, L, embed_dims[-1])."""
        self._check_input(x)
        x = self.stages(self.stem(x))
        return self.norm(x)

    def forward_head(self, x: Tensor, pre_logits: bool = False) -> Tensor:
        """Tokens -> logits (or the pooled features before the classifier when `pre_logits`)."""
        if self.global_pool:
            x = x.mean(axis=1)
        x = self.head_drop(x)
        if pre_logits:
            return x
        return self.head(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_head(self.forward_features(x))


def _init_weights(module: nn.Module) -> None:
    # Linear layers: N(0, 0.02) truncated at ±2 (absolute, so in effect untruncated), zero bias.
    # Convolutions and norms keep their own PyTorch-style defaults.
    if isinstance(module, nn.Linear):
        init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            init.zeros_(module.bias)


# ---- weights from timm --------------------------------------------------------------------


def convert_timm_state_dict(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Map a timm EfficientFormer state dict (names -> arrays) to one `EfficientFormer.load_state_dict` accepts.

    Parameter names already agree; this drops what the model does not hold: the distillation head
    (`head_dist.*`), the attention-offset tables (`attention_bias_idxs`, rebuilt from the grid size)
    and any BatchNorm `num_batches_tracked` counter our BatchNorm2d does not keep.

    With timm installed the input is `{k: v.numpy() for k, v in timm_model.state_dict().items()}`; here a
    dict of the same shape is made from our own model plus two of the entries timm adds:

    >>> model = models.efficientformer_l1()
    >>> sd = {k: v.numpy() for k, v in model.state_dict().items()}
    >>> sd["head_dist.weight"] = np.zeros((1000, 448), np.float32)
    >>> sd["stages.3.blocks.4.token_mixer.attention_bias_idxs"] = np.zeros((49, 49), np.int64)
    >>> sorted(set(sd) - set(convert_timm_state_dict(sd)))
    ['head_dist.weight', 'stages.3.blocks.4.token_mixer.attention_bias_idxs']
    >>> model.load_state_dict(convert_timm_state_dict(sd), strict=True)
    IncompatibleKeys(missing_keys=[], unexpected_keys=[])
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"convert_timm_state_dict takes a mapping of names to arrays, got {type(state_dict).__name__}")
    keep_counters = "num_batches_tracked" in nn.BatchNorm2d(1).state_dict()
    converted: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if key.startswith("head_dist.") or key.endswith(".attention_bias_idxs"):
            continue
        if key.endswith(".num_batches_tracked") and not keep_counters:
            continue
        converted[key] = np.asarray(value)
    return converted


# ---- registered variants ------------------------------------------------------------------

_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(EfficientFormerConfig))
_FIXED_BY_VARIANT = ("depths", "embed_dims", "num_vit")


def _create(variant: str, num_classes: int, overrides: dict[str, Any]) -> EfficientFormer:
    name = f"efficientformer_{variant}"
    fixed = [key for key in _FIXED_BY_VARIANT if key in overrides]
    if fixed:
        raise TypeError(
            f"{name}() fixes {', '.join(fixed)}; to change them build "
            "EfficientFormer(EfficientFormerConfig(...)) directly"
        )
    for key in overrides:
        if key not in _CONFIG_FIELDS:
            close = difflib.get_close_matches(key, _CONFIG_FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{name}() got an unexpected keyword argument {key!r}{hint}")
    config = EfficientFormerConfig(
        depths=DEPTHS[variant],
        embed_dims=WIDTHS[variant],
        num_vit=NUM_VIT[variant],
        num_classes=num_classes,
        **overrides,
    )
    return EfficientFormer(config)


@register_model(card=CARD)
def efficientformer_l1(num_classes: int = 1000, **kwargs: Any) -> EfficientFormer:
    """EfficientFormer-L1: widths (48, 96, 224, 448), depths (3, 2, 6, 4), one attention block.

    Args:
        num_classes: Number of classifier outputs (0: no head, the model returns pooled features).
        **kwargs: Any other `EfficientFormerConfig` field (e.g. `drop_path_rate=0.1`); the variant fixes
            `depths`, `embed_dims` and `num_vit`.

    Returns:
        A freshly initialised `EfficientFormer` built from the preset config.

    >>> model = efficientformer_l1(num_classes=10)
    >>> model.head
    Linear(in_features=448, out_features=10, bias=True)
    """
    return _create("l1", num_classes, kwargs)


@register_model(card=CARD)
def efficientformer_l3(num_classes: int = 1000, **kwargs: Any) -> EfficientFormer:
    """EfficientFormer-L3: widths (64, 128, 320, 512), depths (4, 4, 12, 6), four attention blocks.

    Args:
        num_classes: Number of classifier outputs (0: no head, the model returns pooled features).
        **kwargs: Any other `EfficientFormerConfig` field (e.g. `drop_path_rate=0.1`); the variant fixes
            `depths`, `embed_dims` and `num_vit`.

    Returns:
        A freshly initialised `EfficientFormer` built from the preset config.

    >>> model = efficientformer_l3(num_classes=10)
    >>> model.head
    Linear(in_features=512, out_features=10, bias=True)
    """
    return _create("l3", num_classes, kwargs)


@register_model(card=CARD)
def efficientformer_l7(num_classes: int = 1000, **kwargs: Any) -> EfficientFormer:
    """EfficientFormer-L7: widths (96, 192, 384, 768), depths (6, 6, 18, 8), eight attention blocks.

    Args:
        num_classes: Number of classifier outputs (0: no head, the model returns pooled features).
        **kwargs: Any other `EfficientFormerConfig` field (e.g. `drop_path_rate=0.1`); the variant fixes
            `depths`, `embed_dims` and `num_vit`.

    Returns:
        A freshly initialised `EfficientFormer` built from the preset config.

    `efficientformer_l7(num_classes=10)` initialises about 81 M parameters (a few seconds), so the example
    below only shows that the preset's depths, widths and attention blocks are fixed.

    >>> efficientformer_l7(num_classes=10, depths=(1, 1, 1, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: efficientformer_l7() fixes depths; to change them build EfficientFormer(...) directly
    """
    return _create("l7", num_classes, kwargs)
