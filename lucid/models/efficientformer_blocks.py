"""The building blocks of EfficientFormer, bottom-up: layer scales, token mixers, MLPs, meta-blocks, stages.

Attribute names follow timm's `efficientformer.py` so that state-dict keys line up with the paper's
released weights as timm publishes them (see `convert_timm_state_dict`). The model itself is in
`lucid.models.efficientformer`.
"""

from __future__ import annotations

import numpy as np

import lucid
import lucid.nn.functional as F  # noqa: N812 - the conventional spelling
from lucid import nn
from lucid.tensor import Tensor

# The paper's attention block is sized for a 7×7 grid (a 224×224 image after 32× downsampling).
ATTENTION_RESOLUTION = 7


def _describe(module: nn.Module) -> str:
    """The module's path in its model, when the model recorded one (see EfficientFormer.__init__)."""
    return getattr(module, "qualified_name", type(module).__name__)


class _LayerScale(nn.Module):
    """Learned per-channel scale for tokens laid out (..., C)."""

    def __init__(self, dim: int, init_value: float = 1e-5) -> None:
        super().__init__()
        self.gamma = nn.Parameter(lucid.full((dim,), init_value))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma


class _LayerScale2d(nn.Module):
    """Learned per-channel scale for feature maps laid out (N, C, H, W)."""

    def __init__(self, dim: int, init_value: float = 1e-5) -> None:
        super().__init__()
        self.gamma = nn.Parameter(lucid.full((dim,), init_value))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma.reshape(1, -1, 1, 1)


class _Downsample(nn.Module):
    """A 3×3 stride-2 convolution and a norm: halves the grid and changes the width between stages."""

    def __init__(self, in_channels: int, out_channels: int, norm_layer: type[nn.Module] = nn.BatchNorm2d) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=2, padding=1)
        self.norm = norm_layer(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(self.conv(x))


class _Flat(nn.Module):
    """(N, C, H, W) feature map -> (N, H·W, C) tokens, row-major over the grid."""

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(2).swapaxes(1, 2)


class _Pooling(nn.Module):
    """PoolFormer's token mixer: local average minus the token itself.

    Padding is left out of the average so border tokens are not pulled towards zero.
    """

    def __init__(self, pool_size: int = 3) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(pool_size, stride=1, padding=pool_size // 2, count_include_pad=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(x) - x


class _ConvMlpWithNorm(nn.Module):
    """Two 1×1 convolutions, each followed by a norm, with the activation between them."""

    def __init__(
        self,
        in_features: int,
        hidden_features: int,
        act_layer: type[nn.Module] = nn.GELU,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        drop: float = 0.0,
    ) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(in_features, hidden_features, 1)
        self.norm1 = norm_layer(hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Conv2d(hidden_features, in_features, 1)
        self.norm2 = norm_layer(in_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(self.act(self.norm1(self.fc1(x))))
        return self.drop(self.norm2(self.fc2(x)))


class _Mlp(nn.Module):
    """Token-wise MLP: Linear, activation, Linear (with dropout after each)."""

    def __init__(
        self, in_features: int, hidden_features: int, act_layer: type[nn.Module] = nn.GELU, drop: float = 0.0
    ) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop1(self.act(self.fc1(x)))
        return self.drop2(self.fc2(x))


class _Attention(nn.Module):
    """Multi-head self-attention over a fixed grid, with a learned bias per head and relative offset.

    Queries and keys have `key_dim` channels per head, values `attn_ratio * key_dim`. The bias of a
    query/key pair depends only on their absolute row and column distance on the grid, so a
    `resolution × resolution` grid has `resolution²` distinct biases per head.
    """

    def __init__(
        self,
        dim: int,
        key_dim: int = 32,
        num_heads: int = 8,
        attn_ratio: float = 4.0,
        resolution: int = ATTENTION_RESOLUTION,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.val_dim = int(attn_ratio * key_dim)
        self.val_attn_dim = self.val_dim * num_heads
        self.scale = key_dim**-0.5
        self.resolution = resolution
        self.qkv = nn.Linear(dim, 2 * key_dim * num_heads + self.val_attn_dim)
        self.proj = nn.Linear(self.val_attn_dim, dim)

        rows, cols = np.divmod(np.arange(resolution * resolution), resolution)
        # Offset (|Δrow|, |Δcol|) numbered Δrow·resolution + Δcol: the numbering of the released weights.
        offsets = np.abs(rows[:, None] - rows[None, :]) * resolution + np.abs(cols[:, None] - cols[None, :])
        self.attention_biases = nn.Parameter(lucid.zeros(num_heads, resolution * resolution))
        # Derived from `resolution` alone, so it is not saved with the weights.
        self.register_buffer("attention_bias_idxs", lucid.tensor(offsets.astype(np.int64)), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3:
            raise ValueError(f"{_describe(self)}: expected tokens of shape (N, L, C), got shape {x.shape}")
        batch, tokens, _ = x.shape
        expected = self.resolution * self.resolution
        if tokens != expected:
            raise ValueError(
                f"{_describe(self)}: expected {expected} tokens ({self.resolution}×{self.resolution} attention grid), "
                f"got {tokens}"
            )
        qkv = self.qkv(x).reshape(batch, tokens, self.num_heads, -1).transpose((0, 2, 1, 3))
        q, k, v = qkv.split([self.key_dim, self.key_dim, self.val_dim], axis=3)
        attn = (q @ k.swapaxes(-2, -1)) * self.scale
        attn = attn + self.attention_biases[:, self.attention_bias_idxs.numpy()]
        attn = F.softmax(attn, axis=-1)
        x = (attn @ v).swapaxes(1, 2).reshape(batch, tokens, self.val_attn_dim)
        return self.proj(x)


def _drop_path(rate: float) -> nn.Module:
    return nn.DropPath(rate) if rate > 0.0 else nn.Identity()


class _MetaBlock2d(nn.Module):
    """The 4D meta-block on (N, C, H, W): pooling mixer and conv-MLP, each a scaled residual branch."""

    def __init__(
        self,
        dim: int,
        pool_size: int = 3,
        mlp_ratio: float = 4.0,
        act_layer: type[nn.Module] = nn.GELU,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        proj_drop: float = 0.0,
        drop_path: float = 0.0,
        layer_scale_init_value: float = 1e-5,
    ) -> None:
        super().__init__()
        self.token_mixer = _Pooling(pool_size)
        self.ls1 = _LayerScale2d(dim, layer_scale_init_value)
        self.drop_path1 = _drop_path(drop_path)
        self.mlp = _ConvMlpWithNorm(dim, int(dim * mlp_ratio), act_layer, norm_layer, proj_drop)
        self.ls2 = _LayerScale2d(dim, layer_scale_init_value)
        self.drop_path2 = _drop_path(drop_path)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.drop_path1(self.ls1(self.token_mixer(x)))
        return x + self.drop_path2(self.ls2(self.mlp(x)))


class _MetaBlock1d(nn.Module):
    """The 3D meta-block on (N, L, C) tokens: pre-norm attention and pre-norm MLP, each a scaled residual."""

    def __init__(
        self,
        dim: int,
        mlp_ratio: float = 4.0,
        act_layer: type[nn.Module] = nn.GELU,
        norm_layer: type[nn.Module] = nn.LayerNorm,
        proj_drop: float = 0.0,
        drop_path: float = 0.0,
        layer_scale_init_value: float = 1e-5,
    ) -> None:
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.token_mixer = _Attention(dim)
        self.ls1 = _LayerScale(dim, layer_scale_init_value)
        self.drop_path1 = _drop_path(drop_path)
        self.norm2 = norm_layer(dim)
        self.mlp = _Mlp(dim, int(dim * mlp_ratio), act_layer, proj_drop)
        self.ls2 = _LayerScale(dim, layer_scale_init_value)
        self.drop_path2 = _drop_path(drop_path)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.drop_path1(self.ls1(self.token_mixer(self.norm1(x))))
        return x + self.drop_path2(self.ls2(self.mlp(self.norm2(x))))


class _EfficientFormerStage(nn.Module):
    """One stage: optional downsampling, then 4D meta-blocks; a final stage also flattens to tokens.

    In the final stage (`flatten=True`) the last `num_vit` blocks are 3D (attention) blocks, and a
    `_Flat` sits in `blocks` just before them (after all blocks when `num_vit` is 0), so the
    stage always hands tokens to the model's LayerNorm head.
    """

    def __init__(
        self,
        dim: int,
        dim_out: int,
        depth: int,
        downsample: bool,
        flatten: bool,
        num_vit: int,
        drop_path: list[float],
        pool_size: int = 3,
        mlp_ratio: float = 4.0,
        act_layer: type[nn.Module] = nn.GELU,
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        norm_layer_cl: type[nn.Module] = nn.LayerNorm,
        proj_drop: float = 0.0,
        layer_scale_init_value: float = 1e-5,
    ) -> None:
        super().__init__()
        self.downsample = _Downsample(dim, dim_out, norm_layer) if downsample else nn.Identity()
        num_2d = depth - num_vit
        blocks: list[nn.Module] = []
        for index in range(depth):
            if flatten and index == num_2d:
                blocks.append(_Flat())
            if index < num_2d:
                block: nn.Module = _MetaBlock2d(
                    dim_out, pool_size, mlp_ratio, act_layer, norm_layer, proj_drop, drop_path[index],
                    layer_scale_init_value,
                )  # fmt: skip
            else:
                block = _MetaBlock1d(
                    dim_out, mlp_ratio, act_layer, norm_layer_cl, proj_drop, drop_path[index], layer_scale_init_value
                )
            blocks.append(block)
        if flatten and num_vit == 0:
            blocks.append(_Flat())
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        return self.blocks(self.downsample(x))
