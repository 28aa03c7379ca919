"""Named-tuple results of the functions that return several tensors, as PyTorch's `torch.return_types`.

They unpack like tuples (`values, indices = x.sort()`) and name their parts (`x.max(dim=1).indices`).

>>> x = lucid.tensor([[1.0, 5.0, 2.0]])
>>> x.max(dim=1)
ValuesIndices(values=tensor([5.]), indices=tensor([1]))
"""

from __future__ import annotations

from typing import NamedTuple

from lucid.tensor import Tensor


class ValuesIndices(NamedTuple):
    """Values and their int64 positions along a dim: max/min with `dim=`, sort, topk."""

    values: Tensor
    indices: Tensor


class SVD(NamedTuple):
    """`lucid.linalg.svd`: A = U @ diag(S) @ Vh."""

    U: Tensor  # PyTorch's field names
    S: Tensor
    Vh: Tensor


class QR(NamedTuple):
    """`lucid.linalg.qr`: A = Q @ R."""

    Q: Tensor
    R: Tensor
