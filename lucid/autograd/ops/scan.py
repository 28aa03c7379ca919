"""Running sums and products along a dim: cumsum and cumprod, as PyTorch's.

Integer and bool inputs accumulate in int64 (PyTorch's rule; NumPy's platform integer is the same here), unless
`dtype=` asks for another dtype, to which the input is cast first.
"""

from __future__ import annotations

import numpy as np

from lucid import dtypes
from lucid._dims import dim_aliases, normalize_dim
from lucid.autograd.function import Function
from lucid.autograd.ops.elementwise import cast
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


def _reverse_cumsum(x: np.ndarray, axis: int) -> np.ndarray:
    """out[i] = sum of x[j] for j >= i along `axis`."""
    flipped = np.flip(x, axis=axis)
    return np.flip(np.cumsum(flipped, axis=axis), axis=axis)


def _scan_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fc" else np.dtype(np.int64)


class Cumsum(Function):
    reads_inputs = False

    def forward(self, a: np.ndarray, dim: int) -> np.ndarray:
        self.dim = dim
        return np.cumsum(a, axis=dim, dtype=_scan_dtype(a.dtype))

    def meta(self, a: MetaArray, dim: int) -> MetaArray:
        return MetaArray(a.shape, _scan_dtype(a.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # Input i reaches every output j >= i.
        return (_reverse_cumsum(grad, self.dim),)


class Cumprod(Function):
    saves_output = True

    def forward(self, a: np.ndarray, dim: int) -> np.ndarray:
        self.a, self.dim = a, dim
        self.out = np.cumprod(a, axis=dim, dtype=_scan_dtype(a.dtype))
        return self.out

    def meta(self, a: MetaArray, dim: int) -> MetaArray:
        return MetaArray(a.shape, _scan_dtype(a.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        a, out, dim = self.a, self.out, self.dim
        # d out[j] / d a[k] = out[j] / a[k] for j >= k, so grad_k = (sum_{j>=k} grad_j out_j) / a_k; that division
        # is exact only where no zero came at or before k.
        zero = a == 0
        if not zero.any():
            return (_reverse_cumsum(grad * out, dim) / a,)
        zeros_so_far = np.cumsum(zero, axis=dim)
        before = zeros_so_far == 0  # k before the first zero of its line: the division is safe
        first = zero & (zeros_so_far == 1)  # the first zero itself
        # At the first zero z: d out[j] / d a[z] is the product of the other factors, i.e. the running product
        # with a[z] taken as 1 (for j >= z); past z every product still holds the zero a[z], so 0.
        skip_first = np.cumprod(np.where(first, 1, a), axis=dim)
        at_first = _reverse_cumsum(grad * skip_first, dim)
        safe = _reverse_cumsum(grad * out, dim) / np.where(before, a, 1)
        return (np.where(before, safe, np.where(first, at_first, 0)),)


def _prepare(input: Tensor, dim: int, dtype: dtypes.DTypeLike, what: str) -> tuple[Tensor, int]:  # noqa: A002
    input = as_tensor(input)  # noqa: A001
    if dtype is not None:
        input = cast(input, dtypes.resolve(dtype))  # noqa: A001
    d = normalize_dim(dim, input.ndim, input.shape, what)
    if input.ndim == 0:
        input = input.reshape(1)  # noqa: A001 - NumPy scans a 0-d array as if it were flat
    return input, d


@dim_aliases
def cumsum(input: Tensor, dim: int, *, dtype: dtypes.DTypeLike = None) -> Tensor:  # noqa: A002
    """Running sum along `dim`.

    >>> lucid.cumsum(lucid.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[1., 3., 6.]])
    """
    scalar = as_tensor(input).ndim == 0
    input, d = _prepare(input, dim, dtype, "cumsum")  # noqa: A001
    out = Cumsum.apply(input, dim=d)
    return out.reshape(()) if scalar else out


@dim_aliases
def cumprod(input: Tensor, dim: int, *, dtype: dtypes.DTypeLike = None) -> Tensor:  # noqa: A002
    """Running product along `dim`; the gradient is exact also where the input holds zeros.

    >>> lucid.cumprod(lucid.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 2., 6.])
    """
    scalar = as_tensor(input).ndim == 0
    input, d = _prepare(input, dim, dtype, "cumprod")  # noqa: A001
    out = Cumprod.apply(input, dim=d)
    return out.reshape(()) if scalar else out
