"""Resampling: PyTorch's `F.interpolate` (modes nearest, nearest-exact, linear, bilinear, bicubic, trilinear,
area) on 1-, 2- and 3-d inputs, with its source-index arithmetic, `align_corners` and `scale_factor` rules.

Every mode but area is separable: along each spatial axis an output element is a weighted sum of a few input
elements (1 for nearest, 2 for linear, 4 for cubic). `Interpolate` applies one axis at a time: as that many
gathers (`take`) and multiply-adds, or on short axes as one product with the axis's (out, size) matrix, or for
nearest upsampling by an integer factor as `np.repeat`. Backward is the adjoint of each: gathers through the
transposed taps (for each input element, the outputs that read it), the transposed matrix, a reshaped sum.
No loop over pixels.
Area mode is adaptive average pooling, as in PyTorch.

Resampling counts 0 MACs in lucid-viz: like the elementwise ops, it mixes a handful of neighbours per output and
is not a multiply-accumulate over a reduction axis (see viz/macs.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops.pool_adaptive import adaptive_pool, along_axis
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor

Taps = tuple[np.ndarray, np.ndarray | None]  # (T, out) source indices, and their (T, out) weights (None: nearest)

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic coefficient
# Each mode's number of spatial axes; None: any of 1, 2, 3.
_MODES: dict[str, int | None] = {
    "nearest": None,
    "nearest-exact": None,
    "area": None,
    "linear": 1,
    "bilinear": 2,
    "bicubic": 2,
    "trilinear": 3,
}


def _scale(size: int, out: int, scale: float | None, align_corners: bool, dtype: np.dtype) -> np.floating:
    """Source step per output step, in the input's precision, as PyTorch's kernels compute it."""
    real = np.dtype(dtype).type
    if align_corners:
        return real(size - 1) / real(out - 1) if out > 1 else real(0)
    if scale is not None and scale > 0:
        return real(1.0 / scale)
    return real(size) / real(out)


def axis_taps(
    size: int, out: int, scale: float | None, mode: str, align_corners: bool, dtype: np.dtype, nd: int
) -> Taps | None:
    """The source indices and weights of every output position along one axis; None where the axis is copied.

    PyTorch's kernels copy an axis whose size does not change, whatever `scale_factor` says, in the linear modes
    and in 2-d nearest (which also maps a doubled axis by halving the index); 1-d and 3-d nearest, nearest-exact
    and bicubic always follow the scale. Followed here so that forwards agree.
    """
    nearest = mode in ("nearest", "nearest-exact")
    if out == size and (mode in ("linear", "bilinear", "trilinear") or (mode == "nearest" and nd == 2)):
        return None
    if mode == "nearest" and nd == 2 and out == 2 * size:
        return (np.arange(out) // 2)[None], None
    real = np.dtype(dtype).type
    step = _scale(size, out, scale, align_corners, dtype)
    dst = np.arange(out).astype(dtype)
    if nearest:
        offset = real(0.5) if mode == "nearest-exact" else real(0)
        index = np.minimum(np.floor((dst + offset) * step).astype(np.int64), size - 1)
        return index[None], None
    src = step * dst if align_corners else step * (dst + real(0.5)) - real(0.5)
    if mode != "bicubic":
        src = np.maximum(src, real(0))
    low = np.minimum(np.floor(src).astype(np.int64), size - 1)
    t = np.clip(src - low.astype(dtype), real(0), real(1))
    if mode != "bicubic":
        high = low + (low < size - 1)
        return np.stack([low, high]), np.stack([real(1) - t, t])
    a = real(_CUBIC_A)

    def near(d: np.ndarray) -> np.ndarray:  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: np.ndarray) -> np.ndarray:  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    index = np.clip(low[None] + np.arange(-1, 3)[:, None], 0, size - 1)
    return index, np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])


def _gather(x: np.ndarray, taps: Taps, axis: int) -> np.ndarray:
    """Along `axis`, every output position's weighted sum of the source elements its taps name."""
    with np.errstate(invalid="ignore"):  # an inf times a zero weight is NaN, as in PyTorch, without a warning
        return _weighted_sum(x, taps, axis)


def _weighted_sum(x: np.ndarray, taps: Taps, axis: int) -> np.ndarray:
    index, weight = taps
    out = x.take(index[0], axis=axis)
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    if weight is not None:
        out *= weight[0].reshape(shape)
    for t in range(1, len(index)):
        term = x.take(index[t], axis=axis)
        if weight is not None:
            term *= weight[t].reshape(shape)
        out += term
    return out


def transposed_taps(taps: Taps, size: int) -> Taps:
    """The taps of the adjoint map: for each of the `size` sources, the outputs that read it and their weights,
    padded with zero weights to the largest count (no weights at all when every source is read equally often
    with weight 1, as in integer nearest upsampling). Backward is then a gather too, as fast as forward."""
    index, weight = taps
    taps_per_output, out = index.shape
    sources = index.ravel()
    order = np.argsort(sources, kind="stable")
    sources = sources[order]
    outputs = np.tile(np.arange(out), taps_per_output)[order]
    counts = np.bincount(sources, minlength=size)
    rank = np.arange(sources.size) - (np.cumsum(counts) - counts)[sources]
    adjoint_index = np.zeros((int(counts.max()), size), dtype=np.int64)
    adjoint_index[rank, sources] = outputs
    if weight is None and (counts == counts.max()).all():
        return adjoint_index, None
    adjoint_weight = np.zeros(adjoint_index.shape, dtype=np.float64 if weight is None else weight.dtype)
    adjoint_weight[rank, sources] = 1 if weight is None else weight.ravel()[order]
    return adjoint_index, adjoint_weight


# Up to this many source elements per tap, one dense (out, size) matrix product along an axis beats gathering each
# tap: BLAS makes `size` multiply-adds per output faster than NumPy makes a gather and a multiply-add per tap (2x
# upsampling measured 2-4x faster at 56 and 128 wide with 2 taps, even around 192; cubic's 4 taps move it up).
_DENSE_PER_TAP = 80


def _matrix(taps: Taps, size: int) -> np.ndarray:
    """The (out, size) matrix of an axis's taps (several taps may name one source: their weights add)."""
    index, weight = taps
    matrix = np.zeros((index.shape[1], size), dtype=weight.dtype)  # type: ignore[union-attr]
    rows = np.arange(index.shape[1])
    for t in range(len(index)):
        np.add.at(matrix, (rows, index[t]), weight[t])  # type: ignore[index]
    return matrix


def _repeats(taps: Taps, size: int) -> int:
    """k when the axis is nearest upsampling by the integer k (each source repeated k times), else 0."""
    index, weight = taps
    out = index.shape[1]
    k = out // size
    if weight is None and out == k * size and np.array_equal(index[0], np.arange(out) // k):
        return k
    return 0


def _dense(taps: Taps, size: int, values: np.ndarray) -> bool:
    # A product would spread a NaN or inf to every output of its line; gathers keep it to the outputs reading it.
    return taps[1] is not None and size <= _DENSE_PER_TAP * len(taps[0]) and bool(np.isfinite(values).all())


def _forward_axis(x: np.ndarray, taps: Taps, axis: int) -> np.ndarray:
    size = x.shape[axis]
    k = _repeats(taps, size)
    if k:
        return np.repeat(x, k, axis=axis)
    if _dense(taps, size, x):
        return along_axis(x, _matrix(taps, size), axis)
    return _gather(x, taps, axis)


def _backward_axis(g: np.ndarray, taps: Taps, axis: int, size: int) -> np.ndarray:
    k = _repeats(taps, size)
    if k:
        # The k copies of each source, added as k whole strided slices (a sum over a short axis is much slower).
        copies = g.reshape(*g.shape[:axis], size, k, *g.shape[axis + 1 :])
        lead = (slice(None),) * (axis + 1)
        total = copies[(*lead, 0)].copy()
        for r in range(1, k):
            total += copies[(*lead, r)]
        return total
    if _dense(taps, size, g):
        return along_axis(g, _matrix(taps, size).T.astype(g.dtype, copy=False), axis)
    index, weight = transposed_taps(taps, size)
    return _gather(g, (index, None if weight is None else weight.astype(g.dtype, copy=False)), axis)


class Interpolate(Function):
    """Separable resampling of `x (N, C, *size)` to `output_size` (see the module docstring).

    Each axis runs the cheapest of: a copy (size unchanged, where PyTorch copies), `np.repeat` (nearest
    upsampling by an integer factor), one matrix product (short axes, finite values), gathers (the rest).
    """

    op_name = "interpolate"
    reads_inputs = False

    def forward(
        self,
        x: np.ndarray,
        output_size: tuple[int, ...],
        scales: tuple[float | None, ...],
        mode: str,
        align_corners: bool,
    ) -> np.ndarray:
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)  # integer input (nearest modes): as torch
        self.size = x.shape[2:]
        nd = len(output_size)
        self.taps = [
            axis_taps(n, o, s, mode, align_corners, dtype, nd)
            for n, o, s in zip(self.size, output_size, scales, strict=True)
        ]
        # The last axis first: its gathers pick single elements (slower than whole rows), so they run while the
        # array is smallest in an upsampling; backward then runs the other way round, rows first, for the same reason.
        out = x
        for a in reversed(range(nd)):
            if self.taps[a] is not None:
                out = _forward_axis(out, self.taps[a], 2 + a)
        return out if out is not x else x.copy()

    def meta(
        self,
        x: MetaArray,
        output_size: tuple[int, ...],
        scales: tuple[float | None, ...],
        mode: str,
        align_corners: bool,
    ) -> MetaArray:
        return MetaArray((*x.shape[:2], *output_size), x.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        g = grad
        for a, taps in enumerate(self.taps):
            if taps is not None:
                g = _backward_axis(g, taps, 2 + a, self.size[a])
        return (g,)


def _per_axis(where: str, name: str, value: object, nd: int, x: Tensor) -> tuple:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != nd:
            raise ValueError(
                f"{where}: {name} {tuple(value)} must give one value per spatial axis of the input {x.shape} ({nd})"
            )
        return tuple(value)
    return (value,) * nd


def interpolate(
    x: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample `x (N, C, *spatial)` to `size`, or by `scale_factor`, as PyTorch's `F.interpolate`.

    Modes: "nearest", "nearest-exact", "area" (any of 1-3 spatial axes), "linear" (3-D input), "bilinear" and
    "bicubic" (4-D), "trilinear" (5-D). `align_corners` (linear modes only) maps the corner pixels' centres onto
    each other; a given `scale_factor` sets the source step too unless `recompute_scale_factor`.

    >>> interpolate(lucid.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
    tensor([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    return resample("interpolate", x, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)


def resample(
    where: str,
    x: Tensor,
    size: int | Sequence[int] | None,
    scale_factor: float | Sequence[float] | None,
    mode: str,
    align_corners: bool | None,
    recompute_scale_factor: bool | None,
    antialias: bool,
) -> Tensor:
    """`interpolate` with its errors naming `where` (the function or the layer)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(x).__name__}")
    if mode not in _MODES:
        raise ValueError(f"{where}: mode must be one of {', '.join(repr(m) for m in _MODES)}, got {mode!r}")
    nd = x.ndim - 2
    wanted = _MODES[mode]
    if nd not in (1, 2, 3) or (wanted is not None and nd != wanted):
        need = "3-D, 4-D or 5-D" if wanted is None else f"{wanted + 2}-D"
        raise ValueError(f"{where}: mode {mode!r} needs {need} input (N, C, *spatial), got shape {x.shape}")
    if antialias:
        raise ValueError(f"{where}: antialias=True is not supported; resample without it")
    linear = mode in ("linear", "bilinear", "bicubic", "trilinear")
    if align_corners is not None and not linear:
        raise ValueError(
            f"{where}: align_corners can only be set with the modes linear, bilinear, bicubic and trilinear, "
            f"not {mode!r}"
        )
    if linear and x.dtype.kind != "f":
        raise TypeError(f"{where}: mode {mode!r} needs a floating-point input, got dtype {x.dtype}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{where}: give exactly one of size and scale_factor, got size={size}, scale={scale_factor}")
    spatial = x.shape[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{where}: recompute_scale_factor is meaningless with an explicit size")
        out = _per_axis(where, "size", size, nd, x)
        if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in out):
            raise ValueError(f"{where}: size must be positive ints, got {size!r}")
        scales: tuple[float | None, ...] = (None,) * nd
    else:
        factors = _per_axis(where, "scale_factor", scale_factor, nd, x)
        real = (int, float, np.integer, np.floating)
        if any(isinstance(f, bool) or not isinstance(f, real) or not f > 0 for f in factors):
            raise ValueError(f"{where}: scale_factor must be positive numbers, got {scale_factor!r}")
        out = tuple(math.floor(n * float(f)) for n, f in zip(spatial, factors, strict=True))
        if min(out) < 1:
            raise ValueError(f"{where}: scale_factor {scale_factor!r} shrinks input {x.shape} to an empty output {out}")
        # Area mode, like a recomputed scale, steps by input/output size; otherwise the given factor sets the step.
        scales = (None,) * nd if recompute_scale_factor or mode == "area" else tuple(float(f) for f in factors)
    if min(spatial) < 1:
        raise ValueError(f"{where}: input of shape {x.shape} has an empty spatial axis")
    out = tuple(int(s) for s in out)
    if mode == "area":
        return adaptive_pool(where, nd, "avg", x, out, False)  # type: ignore[return-value]
    return Interpolate.apply(x, output_size=out, scales=scales, mode=mode, align_corners=bool(align_corners))
