"""Matrix functions with their gradients: inverse, determinant, linear solve, Cholesky factor (lucid.linalg).

Every op works on the last two dims and treats the leading ones as a batch, as PyTorch's torch.linalg does.
A matrix that has no answer (singular for inv/solve, not positive-definite for cholesky) is a ValueError that
names the function.
"""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import Function
from lucid.shape_only import MetaArray
from lucid.tensor import ArrayLike, Tensor, as_tensor


def _t(a: np.ndarray) -> np.ndarray:
    """The transpose of each matrix of a batch."""
    return np.swapaxes(a, -1, -2)


def _square(a: Tensor, what: str, name: str = "A") -> Tensor:
    """`a` as a floating batch of square matrices, or an error naming the function and the shape."""
    a = as_tensor(a)
    if a.dtype.kind != "f":
        raise TypeError(f"{what}: {name} must be a floating-point tensor, got dtype {a.dtype}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{what}: {name} must be a (batch of) square matrices (*, n, n), got shape {a.shape}")
    return a


def _singular(what: str, shape: tuple[int, ...]) -> ValueError:
    return ValueError(f"{what}: the matrix (shape {shape}) is singular, so it has no inverse")


class Inv(Function):
    reads_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        try:
            self.out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular("linalg.inv", a.shape) from None
        return self.out

    def meta(self, a: MetaArray) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # d(A^-1) = -A^-1 dA A^-1, so dL/dA = -A^-T G A^-T.
        inv_t = _t(self.out)
        return (-(inv_t @ grad @ inv_t),)


def _exclusive_products(s: np.ndarray) -> np.ndarray:
    """out[..., i] = product of s[..., j] for j != i, without dividing (exact when some s are 0)."""
    ones = np.ones((*s.shape[:-1], 1), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return before * after


class Det(Function):
    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return np.linalg.det(a)

    def meta(self, a: MetaArray) -> MetaArray:
        return MetaArray(a.shape[:-2], a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # d det(A) / dA is the cofactor matrix, det(A) A^-T where A is invertible. Through the SVD A = U S Vh it is
        # det(U) det(Vh) U diag(prod_{j != i} s_j) Vh, which needs no inverse: singular matrices get theirs too.
        u, s, vh = np.linalg.svd(self.a)
        sign = np.linalg.det(u) * np.linalg.det(vh)
        # The products in float64: in float32 they overflow long before det(A) itself does.
        others = _exclusive_products(s.astype(np.float64))
        cofactor = (u * others[..., None, :]) @ vh
        return ((np.asarray(grad * sign)[..., None, None] * cofactor).astype(self.a.dtype, copy=False),)


class Solve(Function):
    """X with A X = B for a batch of right-hand-side matrices B (vectors are made (n, 1) by `solve`)."""

    saves_output = True

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a = a
        try:
            self.out = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"linalg.solve: A (shape {a.shape}) is singular, so A X = B has no unique solution"
            ) from None
        return self.out

    def meta(self, a: MetaArray, b: MetaArray) -> MetaArray:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        return MetaArray((*batch, *b.shape[-2:]), np.result_type(a.dtype, b.dtype))

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # X = A^-1 B: dL/dB = A^-T G, and dL/dA = -(dL/dB) X^T.
        grad_b = np.linalg.solve(_t(self.a), grad)
        return -(grad_b @ _t(self.out)), grad_b


class Cholesky(Function):
    """The lower factor L of A = L L^T (A symmetric positive-definite; only its lower triangle is read)."""

    reads_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        try:
            self.out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"linalg.cholesky: the matrix (shape {a.shape}) is not symmetric positive-definite"
            ) from None
        return self.out

    def meta(self, a: MetaArray) -> MetaArray:
        return MetaArray(a.shape, a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        # From dA = dL L^T + L dL^T: L^-1 dL = Phi(L^-1 dA L^-T), Phi taking the lower triangle with the diagonal
        # halved. Phi is its own adjoint, so dL/dA = L^-T Phi(L^T G) L^-1, made symmetric (as PyTorch's) since A is.
        low = self.out
        product = _t(low) @ grad
        phi = np.tril(product) - 0.5 * product * np.eye(low.shape[-1], dtype=low.dtype)
        half = np.linalg.solve(_t(low), phi)  # L^-T Phi
        full = _t(np.linalg.solve(_t(low), _t(half)))  # (L^-T Phi) L^-1
        return (0.5 * (full + _t(full)),)


# ---- functional spellings --------------------------------------------------------------------------------------


def inv(A: ArrayLike) -> Tensor:  # noqa: N803 - PyTorch's argument name
    """The inverse of each square matrix of `A` (shape (*, n, n)).

    >>> lucid.linalg.inv(lucid.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5 , 0.  ],
            [0.  , 0.25]])
    """
    return Inv.apply(_square(A, "linalg.inv"))


def det(A: ArrayLike) -> Tensor:  # noqa: N803
    """The determinant of each square matrix of `A`; its gradient is exact for singular matrices too.

    >>> lucid.linalg.det(lucid.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return Det.apply(_square(A, "linalg.det"))


def solve(A: ArrayLike, B: ArrayLike, *, left: bool = True) -> Tensor:  # noqa: N803
    """X with A X = B (or, with `left=False`, X A = B). B is a batch of vectors when it is 1-D or has A's shape
    without the last dim, else a batch of matrices (*, n, k); batch dims broadcast, as in PyTorch.

    >>> lucid.linalg.solve(lucid.tensor([[2.0, 0.0], [0.0, 4.0]]), lucid.tensor([2.0, 2.0]))
    tensor([1. , 0.5])
    """
    a = _square(A, "linalg.solve")
    b = as_tensor(B)
    if b.dtype.kind != "f":
        raise TypeError(f"linalg.solve: B must be a floating-point tensor, got dtype {b.dtype}")
    if not left:
        if b.ndim < 2:
            raise ValueError(f"linalg.solve: with left=False, B must be (*, k, n), got shape {b.shape}")
        return solve(a.mT, b.mT).mT
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    rows = b.shape[-1] if vector else (b.shape[-2] if b.ndim >= 2 else None)
    if rows != a.shape[-1]:
        raise ValueError(
            f"linalg.solve: A of shape {a.shape} and B of shape {b.shape} do not fit: B needs {a.shape[-1]} rows "
            "(shape (*, n) for vectors or (*, n, k) for matrices)"
        )
    b_matrix = b.unsqueeze(-1) if vector else b
    try:
        np.broadcast_shapes(a.shape[:-2], b_matrix.shape[:-2])
    except ValueError:
        raise ValueError(f"linalg.solve: batch shapes of A {a.shape} and B {b.shape} do not broadcast") from None
    out = Solve.apply(a, b_matrix)
    return out.squeeze(-1) if vector else out


def cholesky(A: ArrayLike, *, upper: bool = False) -> Tensor:  # noqa: N803
    """The Cholesky factor of each symmetric positive-definite matrix of `A`: lower L with A = L L^T, or with
    `upper=True` U = L^T (A = U^T U). Only the lower triangle of `A` is read.

    >>> lucid.linalg.cholesky(lucid.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    low = Cholesky.apply(_square(A, "linalg.cholesky"))
    return low.mT if upper else low
