"""Matrix decompositions with their gradients: SVD and QR (lucid.linalg.svd, svdvals, qr).

An op makes one array, so each decomposition's op returns its factors packed side by side, flattened, along
one last axis ((*batch, total)); `_unpack` cuts them out again with slices and reshapes, whose gradients
route back into the packed layout. A factor the loss does not use gets a zero gradient there, which the
backward formulas treat as absent.

The gradients are the standard ones (Townsend's for the SVD, and for QR the one for full-column-rank A, with
wide A split into a square block and the rest). They need distinct singular values (SVD) and an invertible R
(QR), as PyTorch's do.
"""

from __future__ import annotations

import math

import numpy as np

from lucid.autograd.function import Function
from lucid.autograd.ops.shape import GetItem, Reshape, reshape
from lucid.return_types import QR, SVD
from lucid.shape_only import MetaArray
from lucid.tensor import ArrayLike, Tensor, as_tensor


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _pack(batch: tuple[int, ...], *arrays: np.ndarray) -> np.ndarray:
    return np.concatenate([a.reshape(*batch, -1) for a in arrays], axis=-1)


def _split(packed: np.ndarray, batch: tuple[int, ...], shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    parts, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(packed[..., start : start + size].reshape(*batch, *shape))
        start += size
    return parts


def _unpack(packed: Tensor, shapes: list[tuple[int, ...]]) -> list[Tensor]:
    # The ops themselves, not getitem/reshape: the slices and shapes are known to fit, so their checks are skipped.
    batch, parts, start = packed.shape[:-1], [], 0
    for shape in shapes:
        size = math.prod(shape)
        part = GetItem.apply(packed, index=(Ellipsis, slice(start, start + size)))
        parts.append(Reshape.apply(part, shape=(*batch, *shape)))
        start += size
    return parts


# ---- SVD -------------------------------------------------------------------------------------------------------


def _svd_shapes(m: int, n: int, full_matrices: bool) -> list[tuple[int, ...]]:
    k = min(m, n)
    return [(m, m if full_matrices else k), (k,), (n if full_matrices else k, n)]


class Svd(Function):
    """A = U diag(S) Vh, packed as (U, S, Vh)."""

    reads_inputs = False

    def forward(self, a: np.ndarray, full_matrices: bool) -> np.ndarray:
        self.u, self.s, self.vh = np.linalg.svd(a, full_matrices=full_matrices)
        self.batch, self.shapes = a.shape[:-2], _svd_shapes(*a.shape[-2:], full_matrices)
        return _pack(self.batch, self.u, self.s, self.vh)

    def meta(self, a: MetaArray, full_matrices: bool) -> MetaArray:
        total = sum(math.prod(s) for s in _svd_shapes(*a.shape[-2:], full_matrices))
        return MetaArray((*a.shape[:-2], total), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        grad_u, grad_s, grad_vh = _split(grad, self.batch, self.shapes)
        s = self.s
        k = s.shape[-1]
        # With full_matrices the columns past k span a subspace with no preferred basis: their gradients are
        # ignored, as PyTorch does.
        u, vh = self.u[..., :, :k], self.vh[..., :k, :]
        grad_u, grad_v = grad_u[..., :, :k], _t(grad_vh[..., :k, :])
        out = (u * grad_s[..., None, :]) @ vh
        if not (grad_u.any() or grad_v.any()):
            return (out,)  # only S is used (svdvals, norms): no division by gaps between singular values
        v = _t(vh)
        ut_gu, vt_gv = _t(u) @ grad_u, _t(v) @ grad_v
        squares = s * s
        with np.errstate(divide="ignore"):
            # f[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal; repeated singular values have no defined gradient.
            f = 1.0 / (squares[..., None, :] - squares[..., :, None])
        eye = np.eye(k, dtype=bool)
        f = np.where(eye, 0.0, f)
        inner = (f * (ut_gu - _t(ut_gu))) * s[..., None, :] + s[..., :, None] * (f * (vt_gv - _t(vt_gv)))
        out = out + u @ inner @ vh
        m, n = u.shape[-2], vh.shape[-1]
        if m > k:  # (I - U U^T) dL/dU S^-1 V^T: the part of dL/dU outside U's column space
            out = out + ((grad_u - u @ ut_gu) / s[..., None, :]) @ vh
        if n > k:  # U S^-1 (dL/dV)^T (I - V V^T)
            out = out + u @ _t((grad_v - v @ vt_gv) / s[..., None, :])
        return (out.astype(u.dtype, copy=False),)


def _matrix(A: ArrayLike, what: str) -> Tensor:  # noqa: N803
    a = as_tensor(A)
    if a.dtype.kind != "f":
        raise TypeError(f"{what}: A must be a floating-point tensor, got dtype {a.dtype}")
    if a.ndim < 2:
        raise ValueError(f"{what}: A must be a (batch of) matrices (*, m, n), got shape {a.shape}")
    return a


def svd(A: ArrayLike, full_matrices: bool = True) -> SVD:  # noqa: N803 - PyTorch's argument name
    """`(U, S, Vh)` with A = U @ diag(S) @ Vh, singular values S in descending order. `full_matrices=True`
    (PyTorch's default) gives square U (m, m) and Vh (n, n), False the reduced (m, k) and (k, n), k = min(m, n).

    Singular vectors are unique only up to sign, so a loss that depends on their signs is not well-defined;
    the gradient needs distinct singular values where U or Vh are used.

    >>> U, S, Vh = lucid.linalg.svd(lucid.tensor([[3.0, 0.0], [0.0, -2.0]]))
    >>> S
    tensor([3., 2.])
    """
    a = _matrix(A, "linalg.svd")
    u, s, vh = _unpack(Svd.apply(a, full_matrices=bool(full_matrices)), _svd_shapes(*a.shape[-2:], full_matrices))
    return SVD(u, s, vh)


def svdvals(A: ArrayLike) -> Tensor:  # noqa: N803
    """The singular values of `A`, in descending order; their gradient U diag(g) Vh needs no distinct values.

    >>> lucid.linalg.svdvals(lucid.tensor([[0.0, 2.0], [1.0, 0.0]]))
    tensor([2., 1.])
    """
    a = _matrix(A, "linalg.svdvals")
    return _unpack(Svd.apply(a, full_matrices=False), _svd_shapes(*a.shape[-2:], False))[1]


# ---- QR --------------------------------------------------------------------------------------------------------


def _qr_shapes(m: int, n: int, mode: str) -> list[tuple[int, ...]]:
    k = min(m, n)
    if mode == "complete":
        return [(m, m), (m, n)]
    if mode == "r":
        return [(0,), (k, n)]
    return [(m, k), (k, n)]


def _copyltu(m: np.ndarray) -> np.ndarray:
    """The symmetric matrix whose lower triangle (with the diagonal) is m's."""
    lower = np.tril(m, -1)
    return lower + _t(lower) + m * np.eye(m.shape[-1], dtype=m.dtype)


def _qr_tall_backward(q: np.ndarray, r: np.ndarray, grad_q: np.ndarray, grad_r: np.ndarray) -> np.ndarray:
    """dL/dA for A = Q R with Q (m, n) orthonormal columns, R (n, n) upper triangular and invertible, m >= n."""
    m = r @ _t(grad_r) - _t(grad_q) @ q
    b = grad_q + q @ _copyltu(m)
    # b R^-T, as the solution X of X R^T = b, i.e. R X^T = b^T.
    return _t(np.linalg.solve(r, _t(b)))


class Qr(Function):
    """A = Q R, packed as (Q, R)."""

    reads_inputs = False

    def forward(self, a: np.ndarray, mode: str) -> np.ndarray:
        self.mode, self.batch = mode, a.shape[:-2]
        self.shapes = _qr_shapes(*a.shape[-2:], mode)
        if mode == "r":
            self.r = np.linalg.qr(a, mode="r")
            self.q = np.zeros((*self.batch, 0), dtype=a.dtype)
        else:
            self.q, self.r = np.linalg.qr(a, mode=mode)
        self.a = a
        return _pack(self.batch, self.q, self.r)

    def meta(self, a: MetaArray, mode: str) -> MetaArray:
        total = sum(math.prod(s) for s in _qr_shapes(*a.shape[-2:], mode))
        return MetaArray((*a.shape[:-2], total), a.dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray]:
        m, n = self.a.shape[-2:]
        if self.mode == "r":
            raise RuntimeError("linalg.qr: the gradient needs Q, which mode='r' does not compute; use mode='reduced'")
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                f"linalg.qr: mode='complete' is not differentiable for tall matrices (shape {self.a.shape}): Q's "
                "extra columns have no preferred basis; use mode='reduced'"
            )
        grad_q, grad_r = _split(grad, self.batch, self.shapes)
        q, r = self.q, self.r
        if m >= n:
            return (_qr_tall_backward(q, r, grad_q, grad_r),)
        # Wide A = [X | Y] with X square: X = Q U and Y = Q V for R = [U | V]. Y reaches Q through V = Q^T Y.
        y = self.a[..., :, m:]
        grad_u, grad_v = grad_r[..., :, :m], grad_r[..., :, m:]
        grad_x = _qr_tall_backward(q, r[..., :, :m], grad_q + y @ _t(grad_v), grad_u)
        return (np.concatenate([grad_x, q @ grad_v], axis=-1),)


def qr(A: ArrayLike, mode: str = "reduced") -> QR:  # noqa: N803
    """`(Q, R)` with A = Q @ R, Q with orthonormal columns and R upper triangular. `mode="reduced"` (default) gives
    Q (m, k) and R (k, n), k = min(m, n); `"complete"` Q (m, m) and R (m, n); `"r"` R alone (Q empty).

    >>> Q, R = lucid.linalg.qr(lucid.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(((Q @ R - lucid.tensor([[3.0, 1.0], [4.0, 2.0]])).abs() < 1e-5).all())
    True
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    a = _matrix(A, "linalg.qr")
    shapes = _qr_shapes(*a.shape[-2:], mode)
    q, r = _unpack(Qr.apply(a, mode=mode), shapes)
    if mode == "r":
        q = reshape(q, (0,))
    return QR(q, r)
