"""PyTorch's functions that move or mask values without arithmetic: flip, roll, repeat, tril, triu, and the view
spellings permute, expand, expand_as and unflatten.

`roll` is its own op (one np.roll each way, where a composition would need two slices and a concatenation per
dim), and so are `tril`/`triu` (one np.tril each way; a where() over a mask made per call was several times
slower, and causal masks sit on attention's hot path); flip is a reversed-step slice, repeat a broadcast between
two reshapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid._dims import dim_aliases, normalize_dim
from lucid.autograd.function import Function
from lucid.autograd.ops.shape import Transpose, broadcast_to, getitem, reshape
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor, shape_arg


def _dims_arg(dims: Any, what: str, arg: str = "dims") -> tuple[Any, ...]:
    """One int or a sequence of them, as a tuple (varargs `x.flip(0, 1)` arrive as a tuple already)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if not dims:
        raise ValueError(f"{what}: {arg} must name at least one dim")
    return tuple(dims)


class Roll(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> np.ndarray:
        self.shifts, self.dims, self.shape = shifts, dims, a.shape
        if dims is None:
            return np.roll(a.reshape(-1), shifts[0]).reshape(a.shape)
        return np.roll(a, shifts, axis=dims)

    def meta(self, a: MetaArray, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        back = tuple(-s for s in self.shifts)
        if self.dims is None:
            return (np.roll(grad.reshape(-1), back[0]).reshape(self.shape),)
        return (np.roll(grad, back, axis=self.dims),)


def roll(
    input: Tensor,  # noqa: A002
    shifts: int | Sequence[int],
    dims: int | Sequence[int] | None = None,
) -> Tensor:
    """Shift values along `dims` by `shifts`, wrapping around; without dims, over the flattened tensor.

    >>> lucid.roll(lucid.tensor([1.0, 2.0, 3.0, 4.0]), 1)
    tensor([4., 1., 2., 3.])
    """
    input = as_tensor(input)  # noqa: A001
    shift_list = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    for s in shift_list:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"roll: shifts must be ints, got {shifts!r}")
    if dims is None:
        if len(shift_list) != 1:
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return Roll.apply(input, shifts=(int(shift_list[0]),), dims=None)
    dim_list = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(dim_list) != len(shift_list):
        raise ValueError(f"roll: shifts {shifts!r} and dims {dims!r} must have the same length")
    axes = tuple(normalize_dim(d, input.ndim, input.shape, "roll", "dims") for d in dim_list)
    return Roll.apply(input, shifts=tuple(int(s) for s in shift_list), dims=axes)


def flip(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order of values along `dims`: `flip(x, (0, 1))`, `x.flip(0)` or `x.flip(0, 1)`.

    >>> lucid.flip(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]), [1])
    tensor([[2., 1.],
            [4., 3.]])
    """
    input = as_tensor(input)  # noqa: A001
    given = _dims_arg(dims, "flip")
    axes = {normalize_dim(d, input.ndim, input.shape, "flip", "dims") for d in given}
    if len(axes) != len(given):
        raise ValueError(f"flip: dims {given} name a dim twice (input shape {input.shape})")
    if input.ndim == 0:
        return input
    return getitem(input, tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(input.ndim)))


def repeat(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Tile `input` `sizes[i]` times along each dim (PyTorch's `Tensor.repeat`, NumPy's `tile`); extra leading
    sizes add dims.

    >>> lucid.tensor([1.0, 2.0]).repeat(2, 2)
    tensor([[1., 2., 1., 2.],
            [1., 2., 1., 2.]])
    """
    input = as_tensor(input)  # noqa: A001
    reps = shape_arg(sizes)
    if len(reps) < input.ndim:
        raise ValueError(
            f"repeat: {len(reps)} repeat counts {reps} for a tensor of shape {input.shape}; give at least one "
            f"per dim ({input.ndim})"
        )
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - input.ndim) + input.shape
    # (s0, s1) -> (1, s0, 1, s1) -> broadcast to (r0, s0, r1, s1) -> (r0 * s0, r1 * s1): each copy is one block.
    spread = reshape(input, tuple(v for s in shape for v in (1, s)))
    tiled = broadcast_to(spread, tuple(v for r, s in zip(reps, shape, strict=True) for v in (r, s)))
    return reshape(tiled, tuple(r * s for r, s in zip(reps, shape, strict=True)))


class Tril(Function):
    """The lower triangle of the last two dims (on and below `diagonal`), zeros elsewhere (also in place of inf)."""

    reads_inputs = False
    keep = staticmethod(np.tril)

    def forward(self, a: np.ndarray, diagonal: int) -> np.ndarray:
        self.diagonal = diagonal
        return self.keep(a, diagonal)

    def meta(self, a: MetaArray, diagonal: int) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        return (self.keep(grad, self.diagonal),)


class Triu(Tril):
    """The upper triangle of the last two dims (on and above `diagonal`), zeros elsewhere."""

    keep = staticmethod(np.triu)


def _triangle(input: Tensor, diagonal: int, op: type[Tril], what: str) -> Tensor:  # noqa: A002
    input = as_tensor(input)  # noqa: A001
    if input.ndim < 2:
        raise ValueError(f"{what}: input must have at least 2 dims, got shape {input.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{what}: diagonal must be an int, got {diagonal!r}")
    return op.apply(input, diagonal=int(diagonal))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims (on and below `diagonal`, 0 the main one); the rest 0.

    >>> lucid.tril(lucid.ones(2, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.]])
    """
    return _triangle(input, diagonal, Tril, "tril")


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims (on and above `diagonal`); the rest 0.

    >>> lucid.triu(lucid.ones(2, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    return _triangle(input, diagonal, Triu, "triu")


@dim_aliases
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dim `dim` into `sizes` (one entry may be -1).

    >>> lucid.ones(2, 6).unflatten(1, (2, 3)).shape
    (2, 2, 3)
    """
    input = as_tensor(input)  # noqa: A001
    d = normalize_dim(dim, input.ndim, input.shape, "unflatten")
    parts = shape_arg((tuple(sizes),))
    if not parts:
        raise ValueError("unflatten: sizes must not be empty")
    known = [s for s in parts if s != -1]
    count = int(np.prod(known)) if known else 1
    length = input.shape[d]
    if parts.count(-1) > 1 or any(s < -1 for s in parts):
        raise ValueError(f"unflatten: sizes {parts} may hold at most one -1 and no other negative")
    if (-1 in parts and (count == 0 or length % count)) or (-1 not in parts and count != length):
        raise ValueError(f"unflatten: sizes {parts} do not multiply to dim {dim} of size {length} ({input.shape})")
    return reshape(input, (*input.shape[:d], *parts, *input.shape[d + 1 :]))


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder all dims: `permute(x, (2, 0, 1))`, `x.permute(2, 0, 1)` (PyTorch's spelling of NumPy's transpose).

    >>> lucid.ones(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    order = tuple(normalize_dim(d, a.ndim, a.shape, "permute", "dims") for d in dims)
    if sorted(order) != list(range(a.ndim)):
        raise ValueError(f"permute: dims {tuple(dims)} are not a permutation of the {a.ndim} dims of shape {a.shape}")
    if a.ndim == 0:
        return a
    return Transpose.apply(a, axes=order)


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view of `a` at `sizes` (PyTorch's `expand`): -1 keeps a dim's size, dims of size 1 stretch,
    and extra leading sizes add dims.

    >>> lucid.ones(3, 1).expand(2, -1, 4).shape
    (2, 3, 4)
    """
    target = list(shape_arg(sizes))
    lead = len(target) - a.ndim
    if lead < 0:
        raise ValueError(
            f"expand: {len(target)} sizes {tuple(target)} for a tensor of shape {a.shape}; give at least {a.ndim}"
        )
    for i, size in enumerate(target):
        if i < lead:
            if size < 0:
                raise ValueError(f"expand: new leading dim {i} cannot be {size} (sizes {tuple(sizes)})")
            continue
        have = a.shape[i - lead]
        if size == -1:
            target[i] = have
        elif size != have and have != 1:
            raise ValueError(
                f"expand: cannot expand shape {a.shape} to {tuple(target)}: dim {i - lead} has size {have}, which "
                f"can only become {have} (or -1), not {size}"
            )
    return broadcast_to(a, tuple(target))


def expand_as(a: Tensor, other: Tensor) -> Tensor:
    """`a` expanded to `other`'s shape.

    >>> lucid.ones(3, 1).expand_as(lucid.zeros(2, 3, 4)).shape
    (2, 3, 4)
    """
    return expand(a, other.shape)
