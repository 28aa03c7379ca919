"""N-d convolution (1-, 2- and 3-d) as im2col (a strided view, copied once) followed by one batched GEMM.

No Python loop runs over pixels: the forward pass is one `as_strided` view and one `matmul`; the input
gradient (col2im) is one strided addition per kernel tap. A 1x1 (x1), stride-1, unpadded convolution skips
im2col entirely and is a plain matrix product. The same three pieces (`taps`, `col2im`, `weight_grad`) run the
transposed convolutions (conv_transpose.py) and `unfold` / `fold` (fold.py), with their roles swapped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lucid.autograd.function import Function
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

IntPair = int | Sequence[int]
IntTuple = int | Sequence[int]
Ints = tuple[int, ...]

# The input layouts each number of spatial axes accepts, batched first (used in error messages).
LAYOUTS: dict[int, tuple[str, str]] = {
    1: ("(N, C, L)", "(C, L)"),
    2: ("(N, C, H, W)", "(C, H, W)"),
    3: ("(N, C, D, H, W)", "(C, D, H, W)"),
}


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a convolution along one axis (floor division, as PyTorch)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def ntuple(value: IntTuple, n: int, name: str, where: str) -> Ints:
    """Accept `3` or a sequence of `n` ints for an n-d hyper-parameter; a clear TypeError otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    items = tuple(value) if isinstance(value, Sequence) and not isinstance(value, str) else None
    if (
        items is None
        or len(items) != n
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items)
    ):
        kind = {1: "an int", 2: "an int or a pair of ints"}.get(n, f"an int or a tuple of {n} ints")
        raise TypeError(f"{where}: {name} must be {kind}, got {value!r}")
    return tuple(int(v) for v in items)


def pair(value: IntPair, name: str, where: str) -> tuple[int, int]:
    """Accept `3` or `(3, 3)` for a 2-D hyper-parameter; a clear error otherwise."""
    return ntuple(value, 2, name, where)  # type: ignore[return-value]


# ---- the shared machinery ---------------------------------------------------------------------------------------


def taps(x: np.ndarray, kernel: Ints, stride: Ints, padding: Ints, dilation: Ints, out: Ints) -> np.ndarray:
    """Every kernel tap's view of `x (N, C, *size)` zero-padded by `padding`: a read-only (N, C, *kernel, *out)
    strided view, no copy (but the padding's)."""
    if any(padding):
        x = np.pad(x, ((0, 0), (0, 0), *((p, p) for p in padding)))
    spatial = x.strides[2:]
    strides = (
        *x.strides[:2],
        *(s * d for s, d in zip(spatial, dilation, strict=True)),
        *(s * step for s, step in zip(spatial, stride, strict=True)),
    )
    return as_strided(x, (*x.shape[:2], *kernel, *out), strides, writeable=False)


def col2im(cols: np.ndarray, size: Ints, stride: Ints, padding: Ints, dilation: Ints) -> np.ndarray:
    """The adjoint of `taps`: sum each tap's values `cols (N, C, *kernel, *out)` onto the positions of a
    (N, C, *size) array it read (one strided add per tap); positions in the padding are dropped."""
    nd = len(size)
    kernel, out = cols.shape[2 : 2 + nd], cols.shape[2 + nd :]
    padded = np.zeros((*cols.shape[:2], *(s + 2 * p for s, p in zip(size, padding, strict=True))), dtype=cols.dtype)
    whole = (slice(None), slice(None))
    for tap in itertools.product(*(range(k) for k in kernel)):
        region = tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in zip(tap, dilation, stride, out, strict=True)
        )
        padded[whole + region] += cols[whole + tap]
    return padded[whole + tuple(slice(p, p + s) for p, s in zip(padding, size, strict=True))]


# Below this many output pixels, one GEMM over the whole batch beats one GEMM per sample for the weight gradient:
# each per-sample product has an inner size of only Ho * Wo (L1's 7x7 stage: 3.9 ms against 7.1 ms; at 14x14
# they are even, and above it the per-sample products win by skipping two transposing copies).
_SMALL_OUTPUT = 128


def weight_grad(g: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """dL/dW for every group, (G, O/G, K), from g (N, G, O/G, L) and the column matrix cols (N, G, K, L)."""
    n, groups, og, length = g.shape
    if length >= _SMALL_OUTPUT:
        return np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0)
    # Contract over the batch and the pixels at once: (G, O/G, N*L) @ (G, N*L, K).
    g_flat = g.transpose(1, 2, 0, 3).reshape(groups, og, n * length)
    cols_flat = cols.transpose(1, 0, 3, 2).reshape(groups, n * length, cols.shape[2])
    return np.matmul(g_flat, cols_flat)


# ---- the ops ----------------------------------------------------------------------------------------------------


class _ConvNd(Function):
    """`x (N, C, *size)` convolved with `w (O, C / groups, *kernel)`, plus an optional bias `(O,)`; the number of
    spatial axes is the length of `stride`. Conv1d, Conv2d and Conv3d are this op under their own names."""

    def forward(
        self, x: np.ndarray, w: np.ndarray, *bias: np.ndarray, stride: Ints, padding: Ints, dilation: Ints, groups: int
    ) -> np.ndarray:
        n = x.shape[0]
        o, cg = w.shape[:2]
        kernel = w.shape[2:]
        out = tuple(map(out_size, x.shape[2:], kernel, stride, padding, dilation))
        length = int(np.prod(out))
        self.geometry = (x.shape, w.shape, stride, padding, dilation, groups, out)
        self.pointwise = all(k == 1 for k in kernel) and all(s == 1 for s in stride) and not any(padding)
        if self.pointwise:
            # A 1x1 kernel reads each pixel once: the input already is the column matrix.
            cols = x.reshape(n, groups, cg, length)
        else:
            view = taps(x, kernel, stride, padding, dilation, out)
            cols = view.reshape(n, groups, cg * int(np.prod(kernel)), length)  # the one im2col copy
        self.cols = cols
        self.w = w.reshape(groups, o // groups, -1)
        result = np.matmul(self.w, cols).reshape(n, o, *out)
        if bias:
            result += bias[0].reshape(1, o, *(1,) * len(out))
        return result

    def meta(
        self, x: MetaArray, w: MetaArray, *bias: MetaArray, stride: Ints, padding: Ints, dilation: Ints, groups: int
    ) -> MetaArray:
        out = tuple(map(out_size, x.shape[2:], w.shape[2:], stride, padding, dilation))
        return MetaArray((x.shape[0], w.shape[0], *out), np.result_type(x.dtype, w.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_shape, w_shape, stride, padding, dilation, groups, out = self.geometry
        n, c = x_shape[:2]
        o = w_shape[0]
        g = grad.reshape(n, groups, o // groups, -1)
        grads: list[np.ndarray | None] = [None, None]
        if self.parents[0].requires_grad:
            grad_cols = np.matmul(self.w.transpose(0, 2, 1), g)  # (N, G, K, L)
            if self.pointwise:
                grads[0] = grad_cols.reshape(x_shape)
            else:
                grads[0] = col2im(grad_cols.reshape(n, c, *w_shape[2:], *out), x_shape[2:], stride, padding, dilation)
        if self.parents[1].requires_grad:
            grads[1] = weight_grad(g, self.cols).reshape(w_shape)
        if len(self.parents) == 3:
            spatial = tuple(range(2, grad.ndim))
            grads.append(grad.sum(axis=(0, *spatial)) if self.parents[2].requires_grad else None)
        return tuple(grads)


class Conv1d(_ConvNd):
    """`x (N, C, L)` convolved with `w (O, C / groups, k)`."""


class Conv2d(_ConvNd):
    """`x (N, C, H, W)` convolved with `w (O, C / groups, kh, kw)`."""


class Conv3d(_ConvNd):
    """`x (N, C, D, H, W)` convolved with `w (O, C / groups, kd, kh, kw)`."""


_CONV_OPS: dict[int, type[_ConvNd]] = {1: Conv1d, 2: Conv2d, 3: Conv3d}


# ---- functional spellings ---------------------------------------------------------------------------------------


def check_rank(where: str, x: object, nd: int) -> Tensor:
    """Require a batched or unbatched tensor with `nd` spatial axes (naming both layouts); returns it."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{where}: expected input of shape {' or '.join(LAYOUTS[nd])}, got shape {x.shape}")
    return x


def batched(x: Tensor, nd: int) -> tuple[Tensor, bool]:
    """`x` with a batch axis (an unbatched input gets one of size 1, as PyTorch runs it), and whether it was added."""
    if x.ndim == nd + 2:
        return x, False
    return x.unsqueeze(0), True


def check_geometry(where: str, stride: Ints, padding: Ints, dilation: Ints) -> None:
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(
            f"{where}: stride and dilation must be >= 1 and padding >= 0, got stride={stride}, "
            f"dilation={dilation}, padding={padding}"
        )


def check_weight(where: str, weight: Tensor, bias: Tensor | None, nd: int, groups: int, transposed: bool) -> None:
    """The weight's rank, `groups` dividing its channel axis, and the bias's shape."""
    names = {1: "k", 2: "kh, kw", 3: "kd, kh, kw"}[nd]
    layout = "in_channels, out_channels/groups" if transposed else "out_channels, in_channels/groups"
    if not isinstance(weight, Tensor) or weight.ndim != nd + 2:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{where}: weight must have shape ({layout}, {names}), got {shape}")
    divided = weight.shape[0]
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1 or divided % groups:
        axis = "in_channels" if transposed else "out_channels"
        raise ValueError(f"{where}: groups={groups!r} must be a positive int dividing {axis}={divided}")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{where}: bias must have shape ({out_channels},), got {bias.shape}")


def same_padding(kernel: Ints, dilation: Ints) -> tuple[Ints, Ints]:
    """The (left, right) zero padding of padding='same' per axis: the odd one out goes right, as PyTorch."""
    total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)


def convolution(
    where: str,
    nd: int,
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntTuple,
    padding: IntTuple | str,
    dilation: IntTuple,
    groups: int,
) -> Tensor:
    """The checks and the call shared by conv1d, conv2d and conv3d (padding may be 'valid' or 'same')."""
    check_rank(where, x, nd)
    stride_, dilation_ = ntuple(stride, nd, "stride", where), ntuple(dilation, nd, "dilation", where)
    check_weight(where, weight, bias, nd, groups, transposed=False)
    kernel = weight.shape[2:]
    extra: Ints | None = None  # right-side padding beyond the symmetric part ('same' with an even span)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if padding == "same" and any(s != 1 for s in stride_):
            raise ValueError(f"{where}: padding='same' needs stride 1, got stride={stride_}")
        left, right = same_padding(kernel, dilation_) if padding == "same" else ((0,) * nd, (0,) * nd)
        padding_ = left
        extra = tuple(r - lf for lf, r in zip(left, right, strict=True)) if left != right else None
    else:
        padding_ = ntuple(padding, nd, "padding", where)
    check_geometry(where, stride_, padding_, dilation_)
    cg = weight.shape[1]
    if x.shape[-nd - 1] != cg * groups:
        raise ValueError(
            f"{where}: weight {weight.shape} with groups={groups} expects input with {cg * groups} channels, "
            f"got shape {x.shape}"
        )
    if extra is not None:
        from lucid.autograd.ops.padding import pad  # padding imports this module

        x = pad(x, [v for e in reversed(extra) for v in (0, e)])
    sizes = x.shape[-nd:]
    out = tuple(map(out_size, sizes, kernel, stride_, padding_, dilation_))
    if min(out) < 1:
        span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation_, strict=True))
        raise ValueError(f"{where}: input {x.shape} padded by {padding_} is smaller than the dilated kernel {span}")
    batch, added = batched(x, nd)
    inputs = (batch, weight) if bias is None else (batch, weight, bias)
    result = _CONV_OPS[nd].apply(*inputs, stride=stride_, padding=padding_, dilation=dilation_, groups=int(groups))
    return result.squeeze(0) if added else result


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple | str = 0,
    dilation: IntTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation, as PyTorch) of `x (N, C, L)` with `weight (O, C/groups, k)`.

    >>> conv1d(lucid.randn(2, 3, 10), lucid.randn(4, 3, 3), padding=1).shape
    (2, 4, 10)
    """
    return convolution("conv1d", 1, x, weight, bias, stride, padding, dilation, groups)


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of `x (N, C, H, W)` with `weight (O, C/groups, kh, kw)`.

    >>> conv2d(lucid.randn(1, 3, 8, 8), lucid.randn(4, 3, 3, 3), padding=1).shape
    (1, 4, 8, 8)
    """
    return convolution("conv2d", 2, x, weight, bias, stride, padding, dilation, groups)


def conv3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntTuple = 1,
    padding: IntTuple | str = 0,
    dilation: IntTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution (cross-correlation, as PyTorch) of `x (N, C, D, H, W)` with `weight (O, C/groups, kd, kh, kw)`.

    >>> conv3d(lucid.randn(1, 2, 4, 6, 6), lucid.randn(3, 2, 3, 3, 3), stride=(1, 2, 2)).shape
    (1, 3, 2, 2, 2)
    """
    return convolution("conv3d", 3, x, weight, bias, stride, padding, dilation, groups)
