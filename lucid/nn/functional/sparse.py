"""Embedding lookup: rows of a weight table picked by integer indices, with PyTorch's padding row, max-norm
renormalization and gradient scaling by frequency."""

from __future__ import annotations

import numpy as np

from lucid.autograd.function import track_outside_apply
from lucid.autograd.grad_mode import no_grad
from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.shape import getitem
from lucid.shape_only import MetaArray
from lucid.tensor import Tensor, as_tensor


def embedding(
    input: Tensor,  # noqa: A002 - PyTorch's argument name
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """`weight[input]`: shape `input.shape + (embedding_dim,)`, as `torch.nn.functional.embedding`.

    - Rows picked at `padding_idx` receive no gradient.
    - With `max_norm`, each row looked up whose `norm_type`-norm exceeds it is first rescaled to that norm, in
      place in `weight` (as PyTorch does; a graph that used those rows before cannot be differentiated after).
    - With `scale_grad_by_freq`, a row's gradient is divided by how often the row occurs in `input`.
    - `sparse` is accepted; gradients are always dense arrays (the same values).

    >>> embedding(lucid.tensor([[0, 2]]), lucid.randn(5, 3)).shape
    (1, 2, 3)
    """
    indices = as_tensor(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"embedding: weight must have shape (num_embeddings, embedding_dim), got {got}")
    count = weight.shape[0]
    pad = None
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for a table of {count} rows")
        pad = padding_idx % count
    if indices.is_meta or weight.is_meta:
        # Shape-only: no index values to check or gather, but the rows come from the indices all the same.
        looked_up = Tensor._wrap(MetaArray((*indices.shape, weight.shape[1]), weight.dtype))
        return track_outside_apply("embedding", (indices, weight), looked_up)
    rows = indices.data
    # Negative indices are refused, as in PyTorch (NumPy would silently count them from the end).
    if rows.size and (rows.min() < 0 or rows.max() >= count):
        bad = int(rows.max()) if rows.max() >= count else int(rows.min())
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {count} rows (valid: 0 to {count - 1})"
        )
    if max_norm is not None:
        _renorm_rows(weight, rows, max_norm, norm_type)
    # Which rows are read is the indices' doing: a tool following the data sees them as the lookup's input.
    out = track_outside_apply("embedding", (indices, weight), getitem(weight, rows))
    if scale_grad_by_freq and rows.size:
        # Same values, gradient scaled: looked + (out - looked) * s is `out` exactly (the difference is 0), and
        # carries the gradient times s, the inverse of each position's row count.
        counts = np.bincount(rows.reshape(-1), minlength=count)
        scale = Tensor._wrap((1.0 / counts[rows])[..., None].astype(weight.dtype))
        looked = out.detach()
        out = looked + (out - looked) * scale
    if pad is None:
        return out
    # Same values, but the padding positions read a detached copy, so no gradient reaches that row.
    is_pad = Tensor._wrap(np.expand_dims(rows == pad, -1))
    return ew.where(is_pad, out.detach(), out)


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale the rows of `weight` picked by `rows` whose norm exceeds `max_norm` to about that norm, in place."""
    picked = np.unique(rows)
    values = weight.data[picked]
    norms = np.linalg.norm(values.astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if not over.any():
        return
    # PyTorch's factor: max_norm / (norm + 1e-7), so the new norm is just under max_norm.
    factors = (max_norm / (norms[over] + 1e-7))[:, None]
    with no_grad():
        weight[picked[over]] = (values[over] * factors).astype(weight.dtype)
