"""EfficientFormer's configuration: the dataclass that shapes a model, its checks, and the L1/L3/L7 presets.

>>> from lucid.models.efficientformer_config import EfficientFormerConfig
>>> EfficientFormerConfig(depths=(1, 1), embed_dims=(8, 16)).stage_downsamples
(False, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lucid import nn

WIDTHS = {"l1": (48, 96, 224, 448), "l3": (64, 128, 320, 512), "l7": (96, 192, 384, 768)}
DEPTHS = {"l1": (3, 2, 6, 4), "l3": (4, 4, 12, 6), "l7": (6, 6, 18, 8)}
NUM_VIT = {"l1": 1, "l3": 4, "l7": 8}


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


@dataclass(frozen=True)
class EfficientFormerConfig:
    """The shape of an EfficientFormer: stage depths and widths, downsampling, attention blocks, head.

    Checked on construction; each bad field raises a `ValueError` (or `TypeError` for a wrong type) naming it.

    Attributes:
        depths: Blocks per stage, one positive int per stage (L1: (3, 2, 6, 4)).
        embed_dims: Channel width of each stage, one positive int per stage (L1: (48, 96, 224, 448)).
        in_channels: Channels of the input image.
        num_classes: Classifier outputs; 0 replaces the head with an identity (the model returns pooled features).
        global_pool: Average the final tokens before the head; False applies the head to every token.
        downsamples: Whether each stage halves the grid with a stride-2 convolution; None means every stage but
            the first (see `stage_downsamples`).
        num_vit: How many of the final stage's last blocks are attention (token) blocks instead of pooling blocks.
        mlp_ratios: Hidden width of each block's MLP as a multiple of the stage width.
        pool_size: Window of the pooling token mixer (odd, so the grid keeps its size).
        layer_scale_init_value: Initial value of the per-channel scales on each residual branch.
        act_layer: Activation class used inside the MLPs.
        norm_layer: Normalisation class on (N, C, H, W) maps: the stem, the pooling blocks, the downsamplers.
        norm_layer_cl: Normalisation class on (N, L, C) tokens: the attention blocks and the final norm.
        drop_rate: Dropout probability before the classifier.
        proj_drop_rate: Dropout probability inside each block's MLP.
        drop_path_rate: Stochastic-depth rate of the last block; rates grow linearly from 0 over all blocks.

    Validation:
        - `depths` and `embed_dims` are sequences of positive ints of the same length; `embed_dims[0]` >= 2.
        - `in_channels` and `pool_size` are positive ints, `pool_size` odd; `num_classes` and `num_vit` are
          ints >= 0, and `num_vit` is at most `depths[-1]`.
        - `downsamples`, when given, has one bool per stage, and a stage that does not downsample keeps the
          previous stage's width.
        - `mlp_ratios` is positive, `layer_scale_init_value` >= 0, and each dropout rate lies in [0, 1).
        - `global_pool` is a bool; `act_layer`, `norm_layer` and `norm_layer_cl` are layer classes.

    >>> config = EfficientFormerConfig(depths=(1, 1), embed_dims=(8, 16), num_vit=1, num_classes=10)
    >>> config.stage_downsamples
    (False, True)
    """

    depths: Sequence[int]
    embed_dims: Sequence[int]
    in_channels: int = 3
    num_classes: int = 1000
    global_pool: bool = True
    downsamples: Sequence[bool] | None = None
    num_vit: int = 0
    mlp_ratios: float = 4.0
    pool_size: int = 3
    layer_scale_init_value: float = 1e-5
    act_layer: type[nn.Module] = nn.GELU
    norm_layer: type[nn.Module] = nn.BatchNorm2d
    norm_layer_cl: type[nn.Module] = nn.LayerNorm
    drop_rate: float = 0.0
    proj_drop_rate: float = 0.0
    drop_path_rate: float = 0.0

    def __post_init__(self) -> None:
        depths = self._int_tuple("depths", self.depths)
        if not depths or any(d <= 0 for d in depths):
            raise ValueError(f"EfficientFormerConfig.depths: need one or more positive block counts, got {depths}")
        widths = self._int_tuple("embed_dims", self.embed_dims)
        if len(widths) != len(depths) or any(w <= 0 for w in widths):
            raise ValueError(
                f"EfficientFormerConfig.embed_dims: need one positive width per stage ({len(depths)} stages), "
                f"got {widths}"
            )
        if widths[0] < 2:
            raise ValueError(
                f"EfficientFormerConfig.embed_dims: the stem's first convolution has embed_dims[0] // 2 channels, "
                f"so embed_dims[0] must be at least 2, got {widths[0]}"
            )
        for name, low in (("in_channels", 1), ("num_classes", 0), ("num_vit", 0), ("pool_size", 1)):
            value = getattr(self, name)
            if not _is_int(value):
                raise TypeError(f"EfficientFormerConfig.{name}: expected an int, got {value!r}")
            if value < low:
                rule = (
                    "positive"
                    if low == 1
                    else ">= 0" + (" (0 gives an identity head)" if name == "num_classes" else "")
                )
                raise ValueError(f"EfficientFormerConfig.{name}: must be {rule}, got {value}")
        if self.pool_size % 2 == 0:
            # An even window with padding pool_size // 2 grows the map by one, so pool(x) - x cannot line up.
            raise ValueError(
                f"EfficientFormerConfig.pool_size: must be odd so pooling keeps the size, got {self.pool_size}"
            )
        if self.num_vit > depths[-1]:
            raise ValueError(
                f"EfficientFormerConfig.num_vit: the attention blocks are the last blocks of the final stage, "
                f"which has {depths[-1]}; got num_vit={self.num_vit}"
            )
        downsamples = self.downsamples
        if downsamples is not None:
            downsamples = tuple(downsamples)
            if len(downsamples) != len(depths) or not all(isinstance(d, (bool, np.bool_)) for d in downsamples):
                raise ValueError(
                    f"EfficientFormerConfig.downsamples: need one bool per stage ({len(depths)} stages), "
                    f"got {downsamples}"
                )
            downsamples = tuple(bool(d) for d in downsamples)
            for i in range(1, len(depths)):
                if not downsamples[i] and widths[i] != widths[i - 1]:
                    raise ValueError(
                        f"EfficientFormerConfig.downsamples: stage {i} does not downsample, so it cannot change "
                        f"the width from {widths[i - 1]} to {widths[i]}; set downsamples[{i}]=True or equal widths"
                    )
        if not _is_number(self.mlp_ratios) or self.mlp_ratios <= 0:
            raise ValueError(f"EfficientFormerConfig.mlp_ratios: must be a positive number, got {self.mlp_ratios!r}")
        if not _is_number(self.layer_scale_init_value) or self.layer_scale_init_value < 0:
            raise ValueError(
                f"EfficientFormerConfig.layer_scale_init_value: must be >= 0, got {self.layer_scale_init_value!r}"
            )
        for name in ("drop_rate", "proj_drop_rate", "drop_path_rate"):
            value = getattr(self, name)
            if not _is_number(value) or not 0.0 <= value < 1.0:
                raise ValueError(f"EfficientFormerConfig.{name}: must be in [0, 1), got {value!r}")
        if not isinstance(self.global_pool, (bool, np.bool_)):
            raise TypeError(f"EfficientFormerConfig.global_pool: expected a bool, got {self.global_pool!r}")
        for name in ("act_layer", "norm_layer", "norm_layer_cl"):
            if not callable(getattr(self, name)):
                raise TypeError(f"EfficientFormerConfig.{name}: expected a layer class, got {getattr(self, name)!r}")
        # Store the normalised forms (frozen dataclass: write through object.__setattr__).
        object.__setattr__(self, "depths", depths)
        object.__setattr__(self, "embed_dims", widths)
        object.__setattr__(self, "downsamples", downsamples)

    @staticmethod
    def _int_tuple(name: str, values: Any) -> tuple[int, ...]:
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"EfficientFormerConfig.{name}: expected a sequence of ints, got {values!r}")
        if not all(_is_int(v) for v in values):
            raise TypeError(f"EfficientFormerConfig.{name}: expected ints, got {tuple(values)!r}")
        return tuple(int(v) for v in values)

    @property
    def stage_downsamples(self) -> tuple[bool, ...]:
        """`downsamples`, or the default schedule: every stage but the first halves the grid."""
        if self.downsamples is not None:
            return tuple(self.downsamples)
        return (False,) + (True,) * (len(self.depths) - 1)
