"""Embedding lookup: rows of a weight table picked by integer indices."""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import track_outside_apply
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.shape import getitem
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


def embedding(indices: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """`weight[indices]`: shape `indices.shape + (embedding_dim,)`.

    Rows picked at `padding_idx` receive no gradient, as in PyTorch.

    >>> embedding(lucid.tensor([[0, 2]]), lucid.randn(5, 3)).shape
    (1, 2, 3)
    """
    indices = as_tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}")
    count = weight.shape[0]
    if indices.is_meta or weight.is_meta:
        # Shape-only: no index values to check or gather, but the rows come from the indices all the same.
        looked_up = Tensor._wrap(MetaArray((*indices.shape, weight.shape[1]), weight.dtype))
        return track_outside_apply("embedding", (indices, weight), looked_up)
    # Negative indices are refused, as in PyTorch (NumPy would silently count them from the end).
    if indices.size and (indices.data.min() < 0 or indices.data.max() >= count):
        bad = int(indices.data.max()) if indices.data.max() >= count else int(indices.data.min())
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {count} rows (valid: 0 to {count - 1})"
        )
    # Which rows are read is the indices' doing: a tool following the data sees them as the lookup's input.
    out = track_outside_apply("embedding", (indices, weight), getitem(weight, indices.data))
    if padding_idx is None:
        return out
    pad = padding_idx % count if -count <= padding_idx < count else None
    if pad is None:
        raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for a table of {count} rows")
    # Same values, but the padding positions read a detached copy, so no gradient reaches that row.
    is_pad = Tensor._wrap(np.expand_dims(indices.data == pad, -1))
    return ew.where(is_pad, out.detach(), out)
