"""Drawing from distributions a tensor describes: `multinomial` (class indices from weights) and `bernoulli`.

Both draw from lucid's random source (`lucid.random`), so `lucid.random.seed(n)` repeats them; neither is
differentiable (their results are integers or a fresh sample), as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from lucid import random as _random
from lucid.tensor import Tensor


def _tensor(value: object, where: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{where}: expected a lucid Tensor, got {type(value).__name__}")
    if value.is_meta:
        raise ValueError(f"{where}: a meta (shape-only) tensor of shape {value.shape} has no values to draw from")
    return value


def multinomial(input: Tensor, num_samples: int, replacement: bool = False) -> Tensor:  # noqa: A002 - torch's name
    """`num_samples` class indices per row of `input` (non-negative weights, need not sum to 1), as
    `torch.multinomial`: int64, shape `(num_samples,)` for a 1-D input or `(rows, num_samples)` for a 2-D one.
    Without replacement a class is drawn at most once per row, so a row needs that many non-zero weights.

    >>> lucid.random.seed(0)
    >>> lucid.multinomial(lucid.tensor([0.0, 1.0, 3.0]), 4, replacement=True)
    tensor([2, 2, 1, 1])
    """
    where = "multinomial"
    weights = _tensor(input, where)
    if weights.ndim not in (1, 2):
        raise ValueError(f"{where}: expected a 1-D or 2-D tensor of weights, got shape {weights.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(f"{where}: num_samples must be a positive int, got {num_samples!r}")
    rows = np.atleast_2d(np.asarray(weights.numpy(), dtype=np.float64))
    if rows.shape[1] == 0:
        raise ValueError(f"{where}: the weights have no categories (shape {weights.shape})")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError(f"{where}: weights must be finite and non-negative (shape {weights.shape})")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError(f"{where}: row {int(np.argmin(totals > 0))} of the weights sums to 0; nothing to draw")
    nonzero = (rows > 0).sum(axis=1)
    if not replacement and (nonzero < num_samples).any():
        raise ValueError(
            f"{where}: cannot draw {num_samples} distinct categories without replacement from a row with "
            f"{int(nonzero.min())} non-zero weights; pass replacement=True or fewer samples"
        )
    generator = _random.generator()
    # Each row's probabilities in float64, renormalized: NumPy's choice needs them to sum to 1 closely.
    drawn = np.stack(
        [generator.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    ).astype(np.int64)
    return Tensor(drawn[0] if weights.ndim == 1 else drawn)


def bernoulli(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """1 with probability `input` (each value in [0, 1]) and 0 otherwise, in `input`'s dtype, as `torch.bernoulli`.

    >>> lucid.random.seed(0)
    >>> lucid.bernoulli(lucid.tensor([0.0, 1.0, 0.5, 0.5]))
    tensor([0., 1., 1., 1.])
    """
    probabilities = _tensor(input, "bernoulli")
    values = probabilities.numpy()
    if values.dtype.kind != "f":
        raise TypeError(f"bernoulli: expected floating-point probabilities, got dtype {values.dtype}")
    if ((values < 0) | (values > 1) | np.isnan(values)).any():
        raise ValueError(f"bernoulli: probabilities must lie in [0, 1] (shape {probabilities.shape})")
    draws = _random.generator().random(values.shape) < values
    return Tensor(draws.astype(values.dtype))
