"""Indexing along one dim with an index tensor: gather, scatter, scatter_add (primitives), index_select and
masked_fill (compositions), as PyTorch's.

The index is an input tensor of the op, not an option, so that an index computed from a meta (shape-only) tensor
makes the result meta too. The ops address elements by flat position (one fancy index, one np.add.at), which
backward keeps, so a later in-place change to the index does not change the gradient.
Indices are checked as PyTorch checks them: integers, in range, negatives refused.
"""

from __future__ import annotations

import numpy as np

from lucid._dims import dim_aliases, normalize_dim
from lucid.autograd.function import Function
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.shape import getitem
from lucid.shape_only import MetaArray
from lucid.tensor import ArrayLike, Tensor, as_tensor

# ---- helpers on arrays -----------------------------------------------------------------------------------------


def _flat_positions(shape: tuple[int, ...], dim: int, index: np.ndarray) -> np.ndarray:
    """For each element of `index`, its position in a C-ordered array of `shape` once `dim` is replaced by the
    index value (PyTorch's gather/scatter addressing: out[i][j] reads a[index[i][j]][j] for dim 0).

    One broadcast add per dim, no loop over elements.
    """
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    flat = index.astype(np.int64) * strides[dim]
    for d in range(index.ndim):
        if d != dim and index.shape[d] > 1:
            view = [1] * index.ndim
            view[d] = index.shape[d]
            flat = flat + (np.arange(index.shape[d], dtype=np.int64) * strides[d]).reshape(view)
    return flat


def _flat_view(array: np.ndarray) -> np.ndarray:
    """`array` as a flat C-ordered array (a view when it is contiguous already)."""
    return np.ascontiguousarray(array).reshape(-1)


def _leading(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The leading block of `array` of `shape` (a view): PyTorch lets the index be smaller than src or input."""
    if array.shape == shape:
        return array
    return array[tuple(slice(0, s) for s in shape)]


def _add_at(shape: tuple[int, ...], dtype: np.dtype, flat: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A zero array of `shape` with `values` summed into the flat positions `flat` (repeats accumulate)."""
    out = np.zeros(int(np.prod(shape)), dtype=dtype)
    np.add.at(out, flat.reshape(-1), np.broadcast_to(values, flat.shape).reshape(-1))
    return out.reshape(shape)


# ---- primitives --------------------------------------------------------------------------------------------------


class Gather(Function):
    """out[..., i, ...] = a[..., index[..., i, ...], ...] along `dim`."""

    reads_inputs = False  # backward reads only the flat positions it saves

    def forward(self, a: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
        # Flat positions and one fancy index: several times faster than np.take_along_axis.
        self.shape, self.dtype = a.shape, a.dtype
        self.flat = _flat_positions(a.shape, dim, index)
        return _flat_view(a)[self.flat]

    def meta(self, a: MetaArray, index: MetaArray, dim: int) -> MetaArray:
        return MetaArray(index.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, None]:
        return _add_at(self.shape, self.dtype, self.flat, grad), None


class Scatter(Function):
    """A copy of `a` with `src` written at the positions `index` addresses along `dim` (the last write wins
    where an index repeats; PyTorch leaves that order unspecified)."""

    reads_inputs = False  # backward reads only the flat positions it saves

    def forward(self, a: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> np.ndarray:
        self.flat = _flat_positions(a.shape, dim, index)
        self.src_shape = src.shape
        out = a.copy()
        out.reshape(-1)[self.flat.reshape(-1)] = _leading(src, index.shape).reshape(-1)
        return out

    def meta(self, a: MetaArray, index: MetaArray, src: MetaArray, dim: int) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, None, np.ndarray]:
        # Overwritten positions pass nothing back to `a`; every src element used reads its target's gradient
        # (also where an index repeats, as PyTorch's formula does).
        grad_a = np.array(grad)
        grad_a.reshape(-1)[self.flat.reshape(-1)] = 0
        return grad_a, None, _embed(_flat_view(grad)[self.flat], self.src_shape)


class ScatterAdd(Function):
    """`a` with `src` summed in at the positions `index` addresses along `dim` (repeats accumulate)."""

    reads_inputs = False

    def forward(self, a: np.ndarray, index: np.ndarray, src: np.ndarray, dim: int) -> np.ndarray:
        self.flat = _flat_positions(a.shape, dim, index)
        self.src_shape = src.shape
        return a + _add_at(a.shape, a.dtype, self.flat, _leading(src, index.shape))

    def meta(self, a: MetaArray, index: MetaArray, src: MetaArray, dim: int) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, None, np.ndarray]:
        return grad, None, _embed(_flat_view(grad)[self.flat], self.src_shape)


def _embed(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`block` in the leading corner of a zero array of `shape` (src elements the index does not reach get 0)."""
    if block.shape == shape:
        return block
    out = np.zeros(shape, dtype=block.dtype)
    out[tuple(slice(0, s) for s in block.shape)] = block
    return out


# ---- argument checks ---------------------------------------------------------------------------------------------


def _index_tensor(index: ArrayLike, what: str) -> Tensor:
    index = as_tensor(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an integer tensor (int64, as PyTorch's), got dtype {index.dtype}")
    return index


def _check_range(index: Tensor, size: int, dim: int, shape: tuple[int, ...], what: str) -> None:
    """Every index value in [0, size); negatives are refused, as in PyTorch."""
    if index.is_meta or index.size == 0:
        return
    low, high = int(index.data.min()), int(index.data.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise IndexError(
            f"{what}: index {bad} is out of range for dim {dim} of size {size} (input shape {shape}); "
            f"valid indices are 0 to {size - 1}"
        )


def _checked(input: ArrayLike, dim: int, index: ArrayLike, what: str) -> tuple[Tensor, Tensor, int]:  # noqa: A002
    """The checks gather and scatter share: input, index and dim as tensors and a non-negative dim."""
    input = as_tensor(input)  # noqa: A001
    index = _index_tensor(index, what)
    if input.ndim == 0:
        raise ValueError(f"{what}: input must have at least 1 dim, got a 0-d tensor")
    d = normalize_dim(dim, input.ndim, input.shape, what)
    _check_block(index, input, d, what, "input")
    _check_range(index, input.shape[d], d, input.shape, what)
    return input, index, d


def _check_block(index: Tensor, other: Tensor, dim: int | None, what: str, name: str) -> None:
    """index.shape[d] <= other.shape[d] for every d (but `dim`), with as many dims: PyTorch's gather/scatter rule."""
    if index.ndim != other.ndim:
        raise ValueError(
            f"{what}: index must have as many dims as {name}: index shape {index.shape}, {name} shape {other.shape}"
        )
    for d, (i, s) in enumerate(zip(index.shape, other.shape, strict=True)):
        if d != dim and i > s:
            allowed = "" if dim is None else f"; only dim {dim} may be larger"
            raise ValueError(
                f"{what}: index shape {index.shape} is larger than {name} shape {other.shape} in dim {d} "
                f"({i} > {s}){allowed}"
            )


# ---- functional spellings --------------------------------------------------------------------------------------


@dim_aliases
def gather(input: Tensor, dim: int, index: ArrayLike) -> Tensor:  # noqa: A002 - PyTorch's argument name
    """Values of `input` picked along `dim` by `index` (same number of dims; `out[i][j] = input[index[i][j]][j]`
    for dim 0). The gradient sums into the picked positions.

    >>> lucid.gather(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, lucid.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    """
    input, index, d = _checked(input, dim, index, "gather")  # noqa: A001
    return Gather.apply(input, index, dim=d)


@dim_aliases
def scatter(
    input: Tensor,  # noqa: A002
    dim: int,
    index: ArrayLike,
    src: ArrayLike | None = None,
    *,
    value: float | None = None,
) -> Tensor:
    """A copy of `input` with `src` (a tensor, or a number given as `src` or `value`) written at the positions
    `index` addresses along `dim` (`out[index[i][j]][j] = src[i][j]` for dim 0).

    >>> lucid.scatter(lucid.zeros(2, 3), 1, lucid.tensor([[2], [0]]), 5.0)
    tensor([[0., 0., 5.],
            [5., 0., 0.]])
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: pass exactly one of src (a tensor or number) and value (a number)")
    input, index, d = _checked(input, dim, index, "scatter")  # noqa: A001
    fill = value if src is None else src
    if not isinstance(fill, Tensor):
        # A number: a where() over the positions hit, so the gradient reaches `input` everywhere else.
        hit = np.zeros(input.shape, dtype=bool)
        if not index.is_meta:
            hit.reshape(-1)[_flat_positions(input.shape, d, index.data).reshape(-1)] = True
        return ew.where(Tensor._wrap(hit), Tensor._wrap(np.asarray(fill, dtype=input.dtype)), input)
    _check_src(fill, index, input, "scatter")
    return Scatter.apply(input, index, fill, dim=d)


@dim_aliases
def scatter_add(input: Tensor, dim: int, index: ArrayLike, src: Tensor) -> Tensor:  # noqa: A002
    """`input` with `src` summed in at the positions `index` addresses along `dim`; repeated positions accumulate.

    >>> lucid.scatter_add(lucid.zeros(3), 0, lucid.tensor([0, 2, 0]), lucid.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    input, index, d = _checked(input, dim, index, "scatter_add")  # noqa: A001
    src = as_tensor(src)
    _check_src(src, index, input, "scatter_add")
    return ScatterAdd.apply(input, index, src, dim=d)


def _check_src(src: Tensor, index: Tensor, input: Tensor, what: str) -> None:  # noqa: A002
    if src.dtype != input.dtype:
        raise TypeError(f"{what}: src has dtype {src.dtype} but input has {input.dtype}; they must match")
    _check_block(index, src, None, what, "src")


@dim_aliases
def index_select(input: Tensor, dim: int, index: ArrayLike) -> Tensor:  # noqa: A002
    """The slices of `input` at positions `index` (1-D) along `dim`; repeats are allowed and their gradients sum.

    >>> lucid.index_select(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), 0, lucid.tensor([1, 1])).tolist()
    [[3.0, 4.0], [3.0, 4.0]]
    """
    input = as_tensor(input)  # noqa: A001
    index = _index_tensor(index, "index_select")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D (or 0-d), got shape {index.shape}")
    d = normalize_dim(dim, input.ndim, input.shape, "index_select")
    _check_range(index, input.shape[d] if input.ndim else 1, d, input.shape, "index_select")
    if input.ndim == 0:
        return input
    return getitem(input, (slice(None),) * d + (index.data.reshape(-1),))


def masked_fill(input: Tensor, mask: ArrayLike, value: ArrayLike) -> Tensor:  # noqa: A002
    """`input` with `value` where the bool `mask` (broadcast to input's shape) is True; a 0-d tensor value
    gets the gradient of the positions it fills.

    >>> lucid.masked_fill(lucid.tensor([1.0, 2.0, 3.0]), lucid.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    input = as_tensor(input)  # noqa: A001
    mask = as_tensor(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask.dtype}")
    try:
        fits = np.broadcast_shapes(input.shape, mask.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to input shape {input.shape}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
        fill = ew.cast(value, input.dtype)
    else:
        fill = Tensor._wrap(np.asarray(value, dtype=input.dtype))
    return ew.where(mask, fill, input)
