"""Normalization layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm,
LocalResponseNorm."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from lucid import creation
from lucid.autograd.grad_mode import no_grad
from lucid.nn import init
from lucid.nn.functional.norm import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, rms_norm
from lucid.nn.layers._checks import check_input
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


class _NormBase(Module):
    """What batch and instance norm share: the per-channel affine parameters, the running statistics (buffers
    running_mean, running_var, num_batches_tracked, as PyTorch names them) and the repr."""

    layouts: tuple[str, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float,
        momentum: float | None,
        affine: bool,
        track_running_stats: bool,
        dtype: object,
        bias: bool,
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(creation.ones(num_features, dtype=dtype)) if affine else None
        self.bias = Parameter(creation.zeros(num_features, dtype=dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean[...] = 0.0
                self.running_var[...] = 1.0
                self.num_batches_tracked[...] = 0

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Shared body of BatchNorm1d/2d/3d; subclasses set the accepted input ranks."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, x: Tensor) -> Tensor:
        check_input(type(self).__name__, x, self.layouts, self.num_features)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked[...] = self.num_batches_tracked.data + 1
            if self.momentum is None:
                # momentum=None: a cumulative average over every batch seen so far.
                factor = 1.0 / float(self.num_batches_tracked.item())
        # Without running statistics the layer always normalizes by batch statistics, even in eval.
        use_batch_stats = self.training or self.running_mean is None
        keep_stats = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if keep_stats else None,
            self.running_var if keep_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over `(N, C)` or `(N, C, L)` input, as `torch.nn.BatchNorm1d`.

    >>> nn.BatchNorm1d(16)(lucid.randn(8, 16)).shape
    (8, 16)
    """

    layouts = ("(N, C)", "(N, C, L)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over `(N, C, H, W)` input, as `torch.nn.BatchNorm2d`: batch statistics and a
    running-average update in training, the running statistics in eval.

    >>> bn = nn.BatchNorm2d(24)
    >>> bn(lucid.randn(2, 24, 8, 8)).shape
    (2, 24, 8, 8)
    """

    layouts = ("(N, C, H, W)",)


class BatchNorm3d(_BatchNorm):
    """Batch normalization over `(N, C, D, H, W)` input, as `torch.nn.BatchNorm3d`.

    >>> nn.BatchNorm3d(4)(lucid.randn(2, 4, 3, 5, 5)).shape
    (2, 4, 3, 5, 5)
    """

    layouts = ("(N, C, D, H, W)",)


class _InstanceNorm(_NormBase):
    """Shared body of InstanceNorm1d/2d/3d: `layouts` is (batched, unbatched)."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        check_input(name, x, self.layouts)
        unbatched = x.ndim == len(self.layouts[1].split(","))
        channel_axis = 0 if unbatched else 1
        if x.shape[channel_axis] != self.num_features:
            # As in PyTorch: only the affine parameters need the count; without them num_features is unused.
            message = f"{name}: expected input with {self.num_features} channels, got shape {x.shape}"
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + " (num_features is unused without affine=True)", stacklevel=2)
        batch = x.unsqueeze(0) if unbatched else x
        out = instance_norm(
            batch,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each sample of `(N, C, L)` (or unbatched `(C, L)`) input by its own statistics,
    as `torch.nn.InstanceNorm1d` (no affine and no running statistics by default).

    >>> nn.InstanceNorm1d(3)(lucid.randn(2, 3, 10)).shape
    (2, 3, 10)
    """

    layouts = ("(N, C, L)", "(C, L)")


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization over `(N, C, H, W)` (or unbatched `(C, H, W)`) input, as `torch.nn.InstanceNorm2d`.

    >>> nn.InstanceNorm2d(3, affine=True)(lucid.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    layouts = ("(N, C, H, W)", "(C, H, W)")


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization over `(N, C, D, H, W)` (or unbatched `(C, D, H, W)`) input, as
    `torch.nn.InstanceNorm3d`.

    >>> nn.InstanceNorm3d(2)(lucid.randn(1, 2, 3, 3, 3)).shape
    (1, 2, 3, 3, 3)
    """

    layouts = ("(N, C, D, H, W)", "(C, D, H, W)")


class LayerNorm(Module):
    """Normalization over the trailing `normalized_shape` dimensions, as `torch.nn.LayerNorm`.

    >>> nn.LayerNorm(448)(lucid.randn(1, 49, 448)).shape
    (1, 49, 448)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: object = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = Parameter(creation.ones(shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(creation.zeros(shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        shape = self.normalized_shape
        if not isinstance(x, Tensor) or x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
            got = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"LayerNorm: expected input whose trailing dimensions are {shape}, got shape {got}")
        return layer_norm(x, shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalization over groups of channels of each sample, as `torch.nn.GroupNorm`.

    >>> nn.GroupNorm(1, 48)(lucid.randn(2, 48, 7, 7)).shape
    (2, 48, 7, 7)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: object = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.weight = Parameter(creation.ones(num_channels, dtype=dtype)) if affine else None
        self.bias = Parameter(creation.zeros(num_channels, dtype=dtype)) if affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        check_input("GroupNorm", x, ("(N, C)", "(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"), self.num_channels)
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the trailing `normalized_shape` dimensions, times a learned weight, as
    `torch.nn.RMSNorm` (`eps=None` is the machine epsilon of the input's dtype).

    >>> nn.RMSNorm(8)(lucid.randn(2, 5, 8)).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        dtype: object = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = Parameter(creation.ones(shape, dtype=dtype)) if elementwise_affine else None

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        shape = self.normalized_shape
        if not isinstance(x, Tensor) or x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
            got = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"RMSNorm: expected input whose trailing dimensions are {shape}, got shape {got}")
        return rms_norm(x, shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Divide each value by (k + alpha * mean of squares over `size` neighbouring channels)^beta, as
    `torch.nn.LocalResponseNorm` (AlexNet).

    >>> nn.LocalResponseNorm(2)(lucid.randn(2, 6, 5, 5)).shape
    (2, 6, 5, 5)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"LocalResponseNorm: size must be a positive int, got {size!r}")
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim < 3:
            got = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"LocalResponseNorm: expected input of shape (N, C, *) with 3 or more dimensions, got {got}"
            )
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
