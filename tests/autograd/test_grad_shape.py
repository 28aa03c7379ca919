"""Finite-difference checks (float64) of the shape primitives and everything composed from them."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.gradcheck import GradCase, check_gradients

_idxs = np.array([2, 0, 2, 1])  # repeats 2: its gradient must be summed, not overwritten
_mask = np.array([[True, False, True], [False, True, True]])


def _split_weighted(a: lucid.Tensor) -> lucid.Tensor:
    # Give each piece its own factor so that a piece routed to the wrong place shows up.
    pieces = a.split([1, 3, 2], axis=1)
    return lucid.concatenate([p * float(i + 1) for i, p in enumerate(pieces)], axis=1)


def _chunk_weighted(a: lucid.Tensor) -> lucid.Tensor:
    return lucid.concatenate([p * float(i + 2) for i, p in enumerate(a.chunk(3, axis=0))], axis=0)


def _meshgrid_sum(x: lucid.Tensor, y: lucid.Tensor) -> lucid.Tensor:
    gx, gy = lucid.meshgrid(x, y, indexing="xy")
    return gx * gy + gx


CASES: dict[str, list[GradCase]] = {
    "Reshape": [
        GradCase(lambda a: a.reshape(4, 3), [(3, 4)], "reshape varargs"),
        GradCase(lambda a: a.reshape((2, -1)), [(3, 4)], "reshape tuple with -1"),
        GradCase(lambda a: a.flatten(), [(2, 3, 2)], "flatten all"),
        GradCase(lambda a: a.flatten(1, 2), [(2, 3, 2, 2)], "flatten(1, 2)"),
        GradCase(lambda a: a.squeeze(), [(1, 3, 1, 2)], "squeeze all"),
        GradCase(lambda a: a.squeeze(-2), [(3, 1, 2)], "squeeze(-2)"),
        GradCase(lambda a: a.unsqueeze(1), [(3, 2)], "unsqueeze(1)"),
        GradCase(lambda a: a.view(-1), [(2, 3)], "view(-1)"),
    ],
    "Transpose": [
        GradCase(lambda a: a.transpose(), [(2, 3, 4)], "transpose reverse"),
        GradCase(lambda a: a.transpose((1, 2, 0)), [(2, 3, 4)], "transpose permutation"),
        GradCase(lambda a: a.T, [(3, 4)], ".T"),
        GradCase(lambda a: a.mT, [(2, 3, 4)], ".mT"),
        GradCase(lambda a: a.swapaxes(0, -1), [(2, 3, 4)], "swapaxes(0, -1)"),
    ],
    "BroadcastTo": [
        GradCase(lambda a: a.broadcast_to(2, 3, 4), [(3, 1)], "broadcast_to (3,1)->(2,3,4)"),
        GradCase(lambda a: lucid.broadcast_to(a, (3, 4)), [()], "broadcast_to 0-d"),
        GradCase(_meshgrid_sum, [(3,), (2,)], "meshgrid xy"),
        GradCase(lambda a, b: lucid.concatenate(lucid.meshgrid(a, b), axis=0), [(2,), (3,)], "meshgrid ij"),
    ],
    "GetItem": [
        GradCase(lambda a: a[1:3], [(4, 3)], "slice"),
        GradCase(lambda a: a[::-2, 1], [(5, 3)], "negative step and int"),
        GradCase(lambda a: a[None, ..., 0], [(2, 3, 4)], "None and Ellipsis"),
        GradCase(lambda a: a[-1], [(3, 2)], "negative int"),
        GradCase(lambda a: a[:, _idxs], [(2, 3)], "integer array with repeats (biases[:, idxs])"),
        GradCase(lambda a: a[_idxs], [(3,)], "integer array on a vector"),
        GradCase(lambda a: a[np.array([0, 1, 1]), np.array([2, 0, 2])], [(2, 3)], "two integer arrays"),
        GradCase(lambda a: a[lucid.tensor(_idxs)], [(3, 2)], "integer tensor index"),
        GradCase(lambda a: a[_mask], [(2, 3)], "boolean mask"),
        GradCase(lambda a: lucid.stack(a.split(1, axis=0), axis=2), [(3, 2)], "split(1) then stack"),
        GradCase(_split_weighted, [(2, 6)], "split sizes"),
        GradCase(_chunk_weighted, [(5, 2)], "chunk(3) uneven"),
    ],
    "Pad": [
        GradCase(lambda a: a.pad(((1, 2), (0, 1))), [(2, 3)], "pad per axis"),
        GradCase(lambda a: lucid.pad(a, 1, value=3.0), [(2, 2, 2)], "pad all axes, constant 3"),
    ],
    "Concatenate": [
        GradCase(lambda a, b, c: lucid.concatenate([a, b, c], axis=1), [(2, 1), (2, 3), (2, 2)], "concat axis=1"),
        GradCase(lambda a, b: lucid.concatenate([a, b], axis=-1), [(2, 3, 1), (2, 3, 2)], "concat axis=-1"),
        GradCase(lambda a: lucid.concatenate([a, a * 2.0], axis=0), [(2, 2)], "concat one tensor twice"),
    ],
    "Stack": [
        GradCase(lambda a, b: lucid.stack([a, b], axis=1), [(2, 3), (2, 3)], "stack axis=1"),
        GradCase(lambda a, b: lucid.stack([a, b], axis=-1), [(3,), (3,)], "stack axis=-1"),
        GradCase(lambda a, b, c: lucid.stack([a, b * 2.0, c], axis=0), [(2, 2), (2, 2), (2, 2)], "stack three"),
        GradCase(lambda a: lucid.stack([a, a], axis=0), [(3,)], "stack one tensor twice"),
    ],
}


@pytest.mark.parametrize("case", [c for cases in CASES.values() for c in cases], ids=lambda c: c.label)
def test_shape_gradients_match_finite_differences(case: GradCase) -> None:
    check_gradients(case)


def test_integer_array_index_scatter_adds_repeated_rows() -> None:
    biases = lucid.zeros(2, 3, requires_grad=True)
    biases[:, lucid.tensor([2, 0, 2, 2])].sum().backward()
    np.testing.assert_array_equal(biases.grad, [[1.0, 0.0, 3.0], [1.0, 0.0, 3.0]])


def test_shape_ops_match_numpy() -> None:
    data = np.arange(24.0).reshape(2, 3, 4)
    x = lucid.tensor(data)
    np.testing.assert_array_equal(x.transpose(2, 0, 1).numpy(), data.transpose(2, 0, 1))
    np.testing.assert_array_equal(x.swapaxes(0, 2).numpy(), data.swapaxes(0, 2))
    np.testing.assert_array_equal(x.flatten(0, 1).numpy(), data.reshape(6, 4))
    np.testing.assert_array_equal(x[:, None, 1:, ::2].numpy(), data[:, None, 1:, ::2])
    np.testing.assert_array_equal(x.pad(((0, 0), (1, 0), (0, 2))).numpy(), np.pad(data, ((0, 0), (1, 0), (0, 2))))
    np.testing.assert_array_equal(x.unsqueeze(-1).shape, (2, 3, 4, 1))
    np.testing.assert_array_equal(x[..., :1].squeeze(-1).shape, (2, 3))
    assert x.squeeze(0).shape == (2, 3, 4)  # like PyTorch, a size that is not 1 is left alone
    assert lucid.stack([x, x], axis=1).shape == (2, 2, 3, 4)
