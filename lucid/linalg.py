"""Linear algebra, as PyTorch's `torch.linalg`: norms, inverse, determinant, solve and decompositions, each
with its gradient. Every function works on the last two dims and treats the leading ones as a batch.

>>> A = lucid.tensor([[4.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> lucid.linalg.det(A).backward()
>>> A.grad.round(4)  # d det(A) / dA = det(A) A^-T
array([[ 3., -1.],
       [-1.,  4.]], dtype=float32)
"""

from lucid.autograd.ops.decomp import qr, svd, svdvals
from lucid.autograd.ops.linalg import cholesky, det, inv, solve
from lucid.autograd.ops.norms import matrix_norm, norm, vector_norm

__all__ = ["cholesky", "det", "inv", "matrix_norm", "norm", "qr", "solve", "svd", "svdvals", "vector_norm"]
