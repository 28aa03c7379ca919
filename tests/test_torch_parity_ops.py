"""Forward values and gradients of the core ops match PyTorch's in float32 (the harness: tests/parity.py).

Each case runs the same float32 inputs through lucid and torch, compares the outputs, then
back-propagates the same random weights through both and compares every input's gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
from tests.parity import OpCase, check_op, op_params, torch  # skips the module without torch

F = torch.nn.functional

pytestmark = pytest.mark.torch

_rng = np.random.default_rng(7)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def positive(*shape: int) -> np.ndarray:
    return _rng.uniform(0.5, 2.0, shape).astype(np.float32)


def away_from_zero(*shape: int) -> np.ndarray:
    return (_rng.choice([-1.0, 1.0], shape) * _rng.uniform(0.3, 1.5, shape)).astype(np.float32)


def distinct(*shape: int) -> np.ndarray:
    count = int(np.prod(shape))
    return (_rng.permutation(count) * 0.37 - 2.0).reshape(shape).astype(np.float32)


_idxs = np.array([2, 0, 2, 1])
_mask = np.array([[True, False, True], [False, True, True]])
_cond = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
_tie_a = np.array([1.0, 2.0, -1.0, 0.5], dtype=np.float32)
_tie_b = np.array([1.0, 3.0, -1.0, 0.25], dtype=np.float32)
_clip_in = np.array([[-2.1, -0.7, 0.2], [0.9, 1.8, -1.4]], dtype=np.float32)

OP_CASES: list[OpCase] = [
    OpCase("Add", "a + b broadcast", lambda a, b: a + b, lambda a, b: a + b, [normal(2, 3, 4), normal(3, 1)]),
    OpCase("Add", "2 + a", lambda a: 2 + a, lambda a: 2 + a, [normal(3)]),
    OpCase("Sub", "a - b broadcast", lambda a, b: a - b, lambda a, b: a - b, [normal(3, 1), normal(4)]),
    OpCase("Sub", "1.5 - a", lambda a: 1.5 - a, lambda a: 1.5 - a, [normal(3)]),
    OpCase("Mul", "a * b broadcast", lambda a, b: a * b, lambda a, b: a * b, [normal(2, 1, 3), normal(4, 3)]),
    OpCase("Div", "a / b broadcast", lambda a, b: a / b, lambda a, b: a / b, [normal(3, 4), away_from_zero(4)]),
    OpCase("Div", "2 / b", lambda b: 2 / b, lambda b: 2 / b, [away_from_zero(5)]),
    OpCase("Pow", "a ** b", lambda a, b: a**b, lambda a, b: a**b, [positive(3, 1), normal(4)]),
    OpCase("Pow", "a ** 3", lambda a: a**3, lambda a: a**3, [normal(5)]),
    OpCase("Pow", "2 ** a", lambda a: 2**a, lambda a: 2**a, [normal(5)]),
    OpCase("Neg", "-a", lambda a: -a, lambda a: -a, [normal(2, 3)]),
    OpCase("Exp", "exp", lucid.exp, torch.exp, [normal(2, 3)]),
    OpCase("Log", "log", lucid.log, torch.log, [positive(2, 3)]),
    OpCase("Sqrt", "sqrt", lucid.sqrt, torch.sqrt, [positive(2, 3)]),
    OpCase("Abs", "abs", lucid.abs, torch.abs, [away_from_zero(2, 3)]),
    OpCase("Tanh", "tanh", lucid.tanh, torch.tanh, [normal(2, 3)]),
    OpCase("Sigmoid", "sigmoid", lucid.sigmoid, torch.sigmoid, [normal(2, 3) * 4]),
    OpCase("Erf", "erf", lucid.erf, torch.erf, [normal(3, 4) * 2]),
    OpCase("Relu", "relu", lucid.relu, torch.relu, [away_from_zero(2, 3)]),
    OpCase("Clip", "clip", lambda a: a.clip(-1.0, 1.0), lambda a: a.clamp(-1.0, 1.0), [_clip_in]),
    OpCase("Clip", "clip min", lambda a: a.clip(min=0.0), lambda a: a.clamp(min=0.0), [_clip_in]),
    OpCase(
        "Clip",
        "clip at its bounds",
        lambda a: a.clip(-1.0, 1.0),
        lambda a: a.clamp(-1.0, 1.0),
        [np.array([-1.0, 0.0, 1.0, 2.0], dtype=np.float32)],
    ),
    OpCase("Clip", "clip at max only", lambda a: a.clip(max=1.0), lambda a: a.clamp(max=1.0), [np.array([1.0, 0.5])]),
    OpCase("Maximum", "maximum with ties", lucid.maximum, torch.maximum, [_tie_a, _tie_b]),
    OpCase("Minimum", "minimum with ties", lucid.minimum, torch.minimum, [_tie_a, _tie_b]),
    OpCase(
        "Where",
        "where broadcast",
        lambda a, b: lucid.where(lucid.tensor(_cond), a, b),
        lambda a, b: torch.where(torch.from_numpy(_cond), a, b),
        [normal(3, 4), normal(4)],
    ),
    OpCase("Cast", "astype float64", lambda a: a.astype(lucid.float64), lambda a: a.to(torch.float64), [normal(3)]),
    OpCase("Sum", "sum", lambda a: a.sum(), lambda a: a.sum(), [normal(3, 4)]),
    OpCase(
        "Sum",
        "sum axis tuple keepdims",
        lambda a: a.sum(axis=(0, 2), keepdims=True),
        lambda a: a.sum(dim=(0, 2), keepdim=True),
        [normal(2, 3, 4)],
    ),
    OpCase("Sum", "mean axis -1", lambda a: a.mean(axis=-1), lambda a: a.mean(dim=-1), [normal(2, 3, 4)]),
    OpCase("Sum", "var", lambda a: a.var(axis=1), lambda a: a.var(dim=1), [normal(3, 5)]),
    OpCase(
        "Sum",
        "std correction 0",
        lambda a: a.std(axis=0, keepdims=True, correction=0),
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        [normal(4, 3)],
    ),
    OpCase("Max", "max all", lambda a: a.max(), lambda a: a.amax(), [distinct(3, 4)]),
    OpCase("Max", "max axis", lambda a: a.max(axis=1), lambda a: a.amax(dim=1), [distinct(2, 3, 4)]),
    OpCase(
        "Max",
        "max ties",
        lambda a: a.max(axis=1),
        lambda a: a.amax(dim=1),
        [np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], dtype=np.float32)],
    ),
    OpCase(
        "Max",
        "min axis tuple keepdims",
        lambda a: a.min(axis=(0, 2), keepdims=True),
        lambda a: a.amin(dim=(0, 2), keepdim=True),
        [distinct(2, 3, 4)],
    ),
    OpCase("Reshape", "reshape -1", lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), [normal(2, 3, 2)]),
    OpCase("Reshape", "flatten(1, 2)", lambda a: a.flatten(1, 2), lambda a: a.flatten(1, 2), [normal(2, 3, 2, 2)]),
    OpCase("Reshape", "squeeze(1)", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [normal(3, 1, 2)]),
    OpCase("Reshape", "unsqueeze(-1)", lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1), [normal(3, 2)]),
    OpCase(
        "Transpose",
        "transpose perm",
        lambda a: a.transpose(2, 0, 1),
        lambda a: a.permute(2, 0, 1),
        [normal(2, 3, 4)],
    ),
    OpCase("Transpose", ".T", lambda a: a.T, lambda a: a.T, [normal(3, 4)]),
    OpCase("Transpose", ".mT", lambda a: a.mT, lambda a: a.mT, [normal(2, 3, 4)]),
    OpCase(
        "Transpose",
        "swapaxes",
        lambda a: a.swapaxes(0, 2),
        lambda a: a.swapaxes(0, 2),
        [normal(2, 3, 4)],
    ),
    OpCase(
        "BroadcastTo",
        "broadcast_to",
        lambda a: a.broadcast_to(2, 3, 4),
        lambda a: a.broadcast_to((2, 3, 4)),
        [normal(3, 1)],
    ),
    OpCase("GetItem", "slices None ...", lambda a: a[None, ..., 1:3], lambda a: a[None, ..., 1:3], [normal(2, 4)]),
    OpCase("GetItem", "int and step", lambda a: a[1, ::2], lambda a: a[1, ::2], [normal(3, 5)]),
    OpCase(
        "GetItem",
        "biases[:, idxs]",
        lambda a: a[:, lucid.tensor(_idxs)],
        lambda a: a[:, torch.from_numpy(_idxs)],
        [normal(2, 3)],
    ),
    OpCase("GetItem", "bool mask", lambda a: a[_mask], lambda a: a[torch.from_numpy(_mask)], [normal(2, 3)]),
    OpCase(
        "GetItem",
        "split sizes",
        lambda a: a.split([1, 3, 2], axis=1),
        lambda a: a.split([1, 3, 2], dim=1),
        [normal(2, 6)],
    ),
    OpCase("GetItem", "split size 2", lambda a: a.split(2), lambda a: a.split(2), [normal(5, 2)]),
    OpCase("GetItem", "chunk 4 of 6", lambda a: a.chunk(4), lambda a: a.chunk(4), [normal(6, 2)]),
    OpCase(
        "Pad",
        "pad",
        lambda a: a.pad(((0, 0), (1, 2), (2, 0)), value=0.5),
        lambda a: F.pad(a, (2, 0, 1, 2), value=0.5),
        [normal(2, 3, 2)],
    ),
    OpCase(
        "Concatenate",
        "concatenate",
        lambda a, b: lucid.concatenate([a, b], axis=-1),
        lambda a, b: torch.cat([a, b], dim=-1),
        [normal(2, 1), normal(2, 3)],
    ),
    OpCase(
        "Stack",
        "stack",
        lambda a, b: lucid.stack([a, b], axis=1),
        lambda a, b: torch.stack([a, b], dim=1),
        [normal(2, 3), normal(2, 3)],
    ),
    OpCase(
        "Stack",
        "stack at the end",
        lambda a, b, c: lucid.stack([a, b, c], axis=-1),
        lambda a, b, c: torch.stack([a, b, c], dim=-1),
        [normal(2, 3), normal(2, 3), normal(2, 3)],
    ),
    OpCase("MatMul", "matrix @ matrix", lambda a, b: a @ b, lambda a, b: a @ b, [normal(3, 4), normal(4, 2)]),
    OpCase("MatMul", "vector @ vector", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(4)]),
    OpCase("MatMul", "vector @ batch", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(2, 4, 3)]),
    OpCase("MatMul", "batch @ vector", lambda a, b: a @ b, lambda a, b: a @ b, [normal(2, 3, 4), normal(4)]),
    OpCase(
        "MatMul",
        "broadcast batches",
        lambda a, b: a @ b,
        lambda a, b: a @ b,
        [normal(2, 1, 3, 4), normal(5, 4, 2)],
    ),
]


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_forward_and_gradients_match_pytorch(case: OpCase) -> None:
    check_op(case)


def test_argmax_matches_pytorch() -> None:
    data = distinct(3, 4)
    x, t = lucid.tensor(data), torch.from_numpy(data)
    assert x.argmax().item() == t.argmax().item()
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), t.argmax(dim=1).numpy())
    np.testing.assert_array_equal(x.argmax(axis=0, keepdims=True).numpy(), t.argmax(dim=0, keepdim=True).numpy())


def test_mixed_int_and_float_operands_promote_like_pytorch() -> None:
    ints = np.array([1, 2, 3])
    for ours, theirs in (
        (lucid.tensor(ints) * 0.5, torch.tensor(ints) * 0.5),
        (0.5 * lucid.tensor(ints), 0.5 * torch.tensor(ints)),
        (lucid.tensor(ints) + 1, torch.tensor(ints) + 1),
        (lucid.tensor(ints) / 2.0, torch.tensor(ints) / 2.0),
        (lucid.tensor(ints) / 2, torch.tensor(ints) / 2),
        (3 / lucid.tensor(ints), 3 / torch.tensor(ints)),
        (lucid.tensor(ints) ** 2, torch.tensor(ints) ** 2),
        (lucid.ones(3) * lucid.tensor(ints), torch.ones(3) * torch.tensor(ints)),
        (lucid.tensor(ints) - lucid.ones(3, dtype=lucid.float64), torch.tensor(ints) - torch.ones(3).double()),
        (lucid.maximum(lucid.tensor(ints), lucid.ones(3)), torch.maximum(torch.tensor(ints), torch.ones(3))),
        (lucid.ones(3) + lucid.tensor(2), torch.ones(3) + torch.tensor(2)),
    ):
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
