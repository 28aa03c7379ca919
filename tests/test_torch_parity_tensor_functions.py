"""PyTorch parity of the tensor functions a port relies on (the harness: tests/parity.py): lucid.* functions and
Tensor methods under PyTorch's names, with PyTorch's argument forms (dim=/keepdim= beside axis=/keepdims=,
negative dims, varargs and tuples), and lucid.linalg against torch.linalg. Outputs and gradients are compared
in float32; integer outputs (indices) must be equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lucid
from lucid import linalg
from tests.parity import OpCase, check_op, op_params, torch  # skips the module without torch

pytestmark = pytest.mark.torch

F = torch.nn.functional
_rng = np.random.default_rng(11)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape).astype(np.float32)


def distinct(*shape: int) -> np.ndarray:
    """No two values equal, so sorting and arg-extremes have one answer."""
    return (_rng.permutation(int(np.prod(shape))) * 0.31 - 2.0).reshape(shape).astype(np.float32)


def conditioned(*shape: int) -> np.ndarray:
    """Matrices with singular values spread over [1, 3] (distinct; invertible when square)."""
    *batch, m, n = shape
    out = np.empty(shape, dtype=np.float32)
    for index in np.ndindex(*batch):
        u, _ = np.linalg.qr(_rng.standard_normal((m, m)))
        v, _ = np.linalg.qr(_rng.standard_normal((n, n)))
        s = np.zeros((m, n))
        s[range(min(m, n)), range(min(m, n))] = np.linspace(3.0, 1.0, min(m, n))
        out[index] = u @ s @ v.T
    return out


def spd(n: int) -> np.ndarray:
    x = _rng.standard_normal((n, n))
    return (x @ x.T + n * np.eye(n)).astype(np.float32)


def signs(u: Any) -> Any:
    """Columns with a non-negative first row: decompositions may flip a column's sign, libraries differently."""
    lib = lucid if isinstance(u, lucid.Tensor) else torch
    return u * lib.where(u[..., :1, :] >= 0, 1.0, -1.0)


_idx_rows = np.array([[0, 3, 3], [2, 1, 0]])
_idx_unique = np.array([[3, 0], [1, 2]])
_mask = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
_zeros = np.array([[1.5, 0.0, 2.0, 0.0, -3.0], [2.0, -3.0, 0.5, 1.0, 0.0]], dtype=np.float32)
_FOUR_I = 4 * np.eye(4, dtype=np.float32)
_clip = np.array([[-2.1, -0.7, 0.2, 1.3], [0.9, 1.8, -1.4, 0.1]], dtype=np.float32)

JOIN_AND_SPLIT = [
    OpCase(
        "Concatenate",
        "cat dim=1",
        lambda a, b: lucid.cat([a, b], dim=1),
        lambda a, b: torch.cat([a, b], dim=1),
        [(2, 3), (2, 1)],
    ),
    OpCase(
        "Concatenate",
        "concat dim -1",
        lambda a, b: lucid.concat((a, b), -1),
        lambda a, b: torch.concat((a, b), -1),
        [(2, 3), (2, 2)],
    ),
    OpCase(
        "Concatenate",
        "concatenate axis=0",
        lambda a, b: lucid.concatenate([a, b], axis=0),
        lambda a, b: torch.cat([a, b], dim=0),
        [(1, 3), (2, 3)],
    ),
    OpCase(
        "Stack",
        "stack dim=-1",
        lambda a, b: lucid.stack([a, b], dim=-1),
        lambda a, b: torch.stack([a, b], dim=-1),
        [(2, 3), (2, 3)],
    ),
    OpCase(
        "Stack", "stack dim=0", lambda a, b: lucid.stack([a, b], dim=0), lambda a, b: torch.stack([a, b]), [(3,), (3,)]
    ),
    OpCase("GetItem", "chunk dim=1", lambda a: a.chunk(3, dim=1), lambda a: a.chunk(3, dim=1), [(2, 7)]),
    OpCase("GetItem", "chunk dim -1", lambda a: lucid.chunk(a, 2, -1), lambda a: torch.chunk(a, 2, -1), [(2, 3, 5)]),
    OpCase("GetItem", "split size dim=-1", lambda a: a.split(2, dim=-1), lambda a: a.split(2, dim=-1), [(3, 5)]),
    OpCase(
        "GetItem",
        "split sizes dim=0",
        lambda a: lucid.split(a, [1, 2], dim=0),
        lambda a: torch.split(a, [1, 2], dim=0),
        [(3, 2)],
    ),
]

SHAPE = [
    OpCase("Transpose", "permute varargs", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    OpCase(
        "Transpose",
        "permute tuple negative",
        lambda a: lucid.permute(a, (-1, 0, 1)),
        lambda a: torch.permute(a, (-1, 0, 1)),
        [(2, 3, 4)],
    ),
    OpCase("Transpose", "t()", lambda a: a.t(), lambda a: a.t(), [(2, 3)]),
    OpCase(
        "BroadcastTo", "expand -1 and new dim", lambda a: a.expand(2, -1, 4), lambda a: a.expand(2, -1, 4), [(3, 1)]
    ),
    OpCase("BroadcastTo", "expand tuple", lambda a: a.expand((3, 4)), lambda a: a.expand((3, 4)), [(1, 4)]),
    OpCase("BroadcastTo", "expand_as", lambda a, b: a.expand_as(b), lambda a, b: a.expand_as(b), [(3, 1), (3, 4)]),
    OpCase("BroadcastTo", "repeat tiles", lambda a: a.repeat(2, 3), lambda a: a.repeat(2, 3), [(2, 3)]),
    OpCase(
        "BroadcastTo", "repeat new dims tuple", lambda a: a.repeat((2, 1, 2)), lambda a: a.repeat((2, 1, 2)), [(3,)]
    ),
    OpCase("GetItem", "flip dims tuple", lambda a: lucid.flip(a, (0, 2)), lambda a: torch.flip(a, (0, 2)), [(2, 3, 4)]),
    OpCase("GetItem", "flip varargs negative", lambda a: a.flip(-1, 0), lambda a: a.flip(-1, 0), [(2, 3)]),
    OpCase("Roll", "roll one dim", lambda a: lucid.roll(a, 2, 1), lambda a: torch.roll(a, 2, 1), [(2, 5)]),
    OpCase("Roll", "roll dims tuple", lambda a: a.roll((1, -2), (0, -1)), lambda a: a.roll((1, -2), (0, -1)), [(3, 4)]),
    OpCase("Roll", "roll flattened", lambda a: lucid.roll(a, -3), lambda a: torch.roll(a, -3), [(3, 4)]),
    OpCase(
        "Roll", "roll dims= keyword", lambda a: a.roll(shifts=1, dims=0), lambda a: a.roll(shifts=1, dims=0), [(3, 2)]
    ),
    OpCase("Reshape", "unflatten", lambda a: a.unflatten(1, (2, 3)), lambda a: a.unflatten(1, (2, 3)), [(4, 6)]),
    OpCase(
        "Reshape",
        "unflatten -1 dim=",
        lambda a: lucid.unflatten(a, dim=-1, sizes=(-1, 2)),
        lambda a: torch.unflatten(a, dim=-1, sizes=(-1, 2)),
        [(3, 4)],
    ),
    OpCase("Reshape", "squeeze dim=", lambda a: a.squeeze(dim=1), lambda a: a.squeeze(dim=1), [(3, 1, 2)]),
    OpCase("Reshape", "squeeze dim tuple", lambda a: a.squeeze((0, -1)), lambda a: a.squeeze((0, -1)), [(1, 3, 1)]),
    OpCase(
        "Reshape",
        "squeeze non-1 dim kept",
        lambda a: lucid.squeeze(a, dim=0),
        lambda a: torch.squeeze(a, dim=0),
        [(2, 1)],
    ),
    OpCase("Reshape", "unsqueeze dim=-1", lambda a: a.unsqueeze(dim=-1), lambda a: a.unsqueeze(dim=-1), [(2, 3)]),
    OpCase(
        "Reshape", "flatten start_dim", lambda a: a.flatten(start_dim=1), lambda a: a.flatten(start_dim=1), [(2, 3, 4)]
    ),
    OpCase(
        "Reshape",
        "flatten end_dim",
        lambda a: lucid.flatten(a, start_dim=0, end_dim=-2),
        lambda a: torch.flatten(a, start_dim=0, end_dim=-2),
        [(2, 3, 4)],
    ),
    OpCase("Reshape", "view_as", lambda a, b: a.view_as(b), lambda a, b: a.view_as(b), [(2, 6), (3, 4)]),
    OpCase("Tril", "tril", lambda a: lucid.tril(a), lambda a: torch.tril(a), [(3, 4)]),
    OpCase(
        "Tril", "tril diagonal=-1 batched", lambda a: a.tril(diagonal=-1), lambda a: a.tril(diagonal=-1), [(2, 3, 3)]
    ),
    OpCase("Triu", "triu diagonal=1", lambda a: lucid.triu(a, 1), lambda a: torch.triu(a, 1), [(4, 3)]),
    OpCase("Triu", "triu diagonal=-2", lambda a: a.triu(-2), lambda a: a.triu(-2), [(4, 4)]),
    OpCase("Clone", "clone", lambda a: a.clone() * 2, lambda a: a.clone() * 2, [(2, 3)]),
]

INDEX = [
    OpCase(
        "Gather",
        "gather dim 1",
        lambda a, i: lucid.gather(a, 1, i),
        lambda a, i: torch.gather(a, 1, i),
        [distinct(2, 4), _idx_rows],
    ),
    OpCase(
        "Gather",
        "gather dim=-1 keyword",
        lambda a, i: a.gather(dim=-1, index=i),
        lambda a, i: a.gather(dim=-1, index=i),
        [(2, 4), _idx_rows],
    ),
    OpCase(
        "Gather",
        "gather dim 0 narrower",
        lambda a, i: a.gather(0, i),
        lambda a, i: a.gather(0, i),
        [(3, 5), np.array([[2, 0], [1, 1]])],
    ),
    OpCase(
        "Scatter",
        "scatter src",
        lambda a, i, s: lucid.scatter(a, 1, i, s),
        lambda a, i, s: torch.scatter(a, 1, i, s),
        [
            (2, 4),
            _idx_unique,
            (2, 2),
        ],  # torch's backward fails for a src larger than the index; lucid's grad test has one
    ),
    OpCase(
        "Scatter",
        "scatter dim=0 method",
        lambda a, i, s: a.scatter(0, i, s),
        lambda a, i, s: a.scatter(0, i, s),
        [(3, 2), np.array([[2, 0]]), (1, 2)],
    ),
    OpCase(
        "Where",
        "scatter value",
        lambda a, i: a.scatter(-1, i, value=-1.5),
        lambda a, i: a.scatter(-1, i, value=-1.5),
        [(2, 4), _idx_unique],
    ),
    OpCase(
        "ScatterAdd",
        "scatter_add repeats",
        lambda a, i, s: lucid.scatter_add(a, 1, i, s),
        lambda a, i, s: torch.scatter_add(a, 1, i, s),
        [(2, 4), _idx_rows, (2, 3)],
    ),
    OpCase(
        "ScatterAdd",
        "scatter_add dim=-2",
        lambda a, i, s: a.scatter_add(-2, i, s),
        lambda a, i, s: a.scatter_add(-2, i, s),
        [(3, 2), np.array([[0, 2], [0, 0]]), (2, 2)],
    ),
    OpCase(
        "GetItem",
        "index_select",
        lambda a, i: lucid.index_select(a, 1, i),
        lambda a, i: torch.index_select(a, 1, i),
        [(2, 4), np.array([3, 0, 3])],
    ),
    OpCase(
        "GetItem",
        "index_select dim=-2",
        lambda a, i: a.index_select(dim=-2, index=i),
        lambda a, i: a.index_select(dim=-2, index=i),
        [(3, 2), np.array([1])],
    ),
    OpCase(
        "Where",
        "masked_fill",
        lambda a, m: lucid.masked_fill(a, m, 0.5),
        lambda a, m: torch.masked_fill(a, m, 0.5),
        [(3, 4), _mask],
    ),
    OpCase(
        "Where",
        "masked_fill broadcast mask",
        lambda a, m: a.masked_fill(m, -np.inf).softmax(-1),
        lambda a, m: a.masked_fill(m, -np.inf).softmax(-1),
        [(2, 3, 4), np.array([False, True, False, False])],
    ),
    OpCase(
        "Where",
        "masked_fill 0-d tensor",
        lambda a, m, v: a.masked_fill(m, v),
        lambda a, m, v: a.masked_fill(m, v),
        [(3, 4), _mask, np.array(2.0, dtype=np.float32)],
    ),
    OpCase(
        "Where",
        "where scalar",
        lambda a, m: lucid.where(m, a, 0.0),
        lambda a, m: torch.where(m, a, 0.0),
        [(3, 4), _mask],
    ),
]

SORT_AND_REDUCE = [
    OpCase("Gather", "sort", lambda a: lucid.sort(a), lambda a: torch.sort(a), [distinct(3, 4)]),
    OpCase(
        "Gather",
        "sort dim=0 descending",
        lambda a: a.sort(dim=0, descending=True),
        lambda a: a.sort(dim=0, descending=True),
        [distinct(3, 4)],
    ),
    OpCase(
        "Gather",
        "sort stable ties",
        lambda a: lucid.sort(a, stable=True),
        lambda a: torch.sort(a, stable=True),
        [np.array([[2.0, 1.0, 2.0, 1.0, 0.0]], dtype=np.float32)],
    ),
    OpCase(
        "Gather",
        "sort descending stable ties",
        lambda a: a.sort(descending=True, stable=True),
        lambda a: a.sort(descending=True, stable=True),
        [np.array([[2.0, 1.0, 2.0, 1.0, 3.0]], dtype=np.float32)],
    ),
    OpCase("Gather", "topk", lambda a: lucid.topk(a, 2), lambda a: torch.topk(a, 2), [distinct(3, 5)]),
    OpCase(
        "Gather",
        "topk smallest dim=0",
        lambda a: a.topk(2, dim=0, largest=False),
        lambda a: a.topk(2, dim=0, largest=False),
        [distinct(4, 3)],
    ),
    OpCase(
        "Gather", "topk k=all", lambda a: a.topk(4, sorted=True), lambda a: a.topk(4, sorted=True), [distinct(2, 4)]
    ),
    OpCase(
        "Gather",
        "topk 10 of 30 (by partition)",
        lambda a: a.topk(10, dim=-1),
        lambda a: a.topk(10, dim=-1),
        [distinct(2, 30)],
    ),
    OpCase(
        "Gather",
        "topk 3 smallest of 30 with one -inf a row",
        lambda a: lucid.topk(a, 3, largest=False),
        lambda a: torch.topk(a, 3, largest=False),
        [np.where(np.arange(60).reshape(2, 30) % 29 == 7, -np.inf, distinct(2, 30)).astype(np.float32)],
    ),
    OpCase("Gather", "max(dim=1)", lambda a: a.max(dim=1), lambda a: a.max(dim=1), [distinct(3, 4)]),
    OpCase(
        "Gather",
        "max(dim=-1, keepdim)",
        lambda a: lucid.max(a, dim=-1, keepdim=True),
        lambda a: torch.max(a, dim=-1, keepdim=True),
        [distinct(2, 3, 4)],
    ),
    OpCase(
        "Gather",
        "min(dim=0) ties take the first",
        lambda a: a.min(dim=0),
        lambda a: a.min(dim=0),
        [np.array([[1.0, 0.0], [1.0, 2.0], [0.5, 0.0]], dtype=np.float32)],
    ),
    OpCase("Maximum", "max(other)", lambda a, b: a.max(b), lambda a, b: a.max(b), [distinct(3), distinct(3)]),
    OpCase("Max", "max axis= (values)", lambda a: a.max(axis=1), lambda a: a.amax(dim=1), [distinct(3, 4)]),
    OpCase(
        "Max",
        "amax dims",
        lambda a: a.amax(dim=(0, -1), keepdim=True),
        lambda a: a.amax(dim=(0, -1), keepdim=True),
        [distinct(2, 3, 4)],
    ),
    OpCase("Max", "amin", lambda a: lucid.amin(a, -1), lambda a: torch.amin(a, -1), [distinct(3, 4)]),
    OpCase(
        "Sum",
        "sum dim= keepdim=",
        lambda a: a.sum(dim=1, keepdim=True),
        lambda a: a.sum(dim=1, keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Sum",
        "sum dim tuple negative",
        lambda a: lucid.sum(a, dim=(-1, 0)),
        lambda a: torch.sum(a, dim=(-1, 0)),
        [(2, 3, 4)],
    ),
    OpCase("Sum", "mean dim=", lambda a: a.mean(dim=-1), lambda a: a.mean(dim=-1), [(3, 4)]),
    OpCase(
        "Sum",
        "var unbiased=False",
        lambda a: a.var(dim=1, unbiased=False),
        lambda a: a.var(dim=1, unbiased=False),
        [(3, 5)],
    ),
    OpCase(
        "Sum",
        "std dim keepdim correction",
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        lambda a: a.std(dim=0, keepdim=True, correction=0),
        [(4, 3)],
    ),
    OpCase("Exp", "softmax dim=", lambda a: a.softmax(dim=-1), lambda a: a.softmax(dim=-1), [(2, 5)]),
    OpCase(
        "Exp",
        "F.softmax dim=1",
        lambda a: lucid.nn.functional.softmax(a, dim=1),
        lambda a: F.softmax(a, dim=1),
        [(2, 3, 4)],
    ),
    OpCase("Exp", "log_softmax dim=0", lambda a: a.log_softmax(0), lambda a: a.log_softmax(0), [(3, 4)]),
    OpCase("Exp", "logsumexp", lambda a: lucid.logsumexp(a, 1), lambda a: torch.logsumexp(a, 1), [(3, 4)]),
    OpCase(
        "Exp",
        "logsumexp dims keepdim",
        lambda a: a.logsumexp(dim=(0, -1), keepdim=True),
        lambda a: a.logsumexp(dim=(0, -1), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Exp",
        "logsumexp large and -inf",
        lambda a: a.logsumexp(-1),
        lambda a: a.logsumexp(-1),
        [np.array([[1000.0, 999.0], [-np.inf, -np.inf]], dtype=np.float32)],
    ),
    OpCase("Cumsum", "cumsum", lambda a: lucid.cumsum(a, 0), lambda a: torch.cumsum(a, 0), [(4, 3)]),
    OpCase("Cumsum", "cumsum dim=-1", lambda a: a.cumsum(dim=-1), lambda a: a.cumsum(dim=-1), [(2, 3, 4)]),
    OpCase(
        "Cumsum",
        "cumsum dtype",
        lambda a: a.cumsum(1, dtype=lucid.float64),
        lambda a: a.cumsum(1, dtype=torch.float64),
        [(2, 3)],
    ),
    OpCase("Cumprod", "cumprod", lambda a: lucid.cumprod(a, 1), lambda a: torch.cumprod(a, 1), [(3, 4)]),
    OpCase("Cumprod", "cumprod zeros dim=-1", lambda a: a.cumprod(dim=-1), lambda a: a.cumprod(dim=-1), [_zeros]),
]

ELEMENTWISE = [
    OpCase("Clip", "clamp", lambda a: lucid.clamp(a, -1.0, 1.0), lambda a: torch.clamp(a, -1.0, 1.0), [_clip]),
    OpCase("Clip", "clamp min=", lambda a: a.clamp(min=0.0), lambda a: a.clamp(min=0.0), [_clip]),
    OpCase("Clip", "clamp max=", lambda a: a.clamp(max=0.5), lambda a: a.clamp(max=0.5), [_clip]),
    OpCase("Clip", "clip", lambda a: a.clip(-0.5, 0.5), lambda a: a.clip(-0.5, 0.5), [_clip]),
    OpCase(
        "Where",
        "clamp tensor bounds",
        lambda a, lo, hi: a.clamp(lo, hi),
        lambda a, lo, hi: a.clamp(lo, hi),
        [_clip, np.array([-1.0, 0.0, 0.5, 0.0], dtype=np.float32), np.array([[1.0], [0.5]], dtype=np.float32)],
    ),
    OpCase(
        "Where",
        "clamp_min tensor",
        lambda a, lo: a.clamp_min(lo),
        lambda a, lo: a.clamp_min(lo),
        [_clip, np.array([0.0, -1.0, 0.5, 0.5], dtype=np.float32)],
    ),
    OpCase("Where", "clamp_max number", lambda a: lucid.clamp_max(a, 0.3), lambda a: torch.clamp_max(a, 0.3), [_clip]),
    OpCase("Maximum", "maximum", lucid.maximum, torch.maximum, [distinct(2, 3), distinct(3)]),
    OpCase("Minimum", "minimum", lucid.minimum, torch.minimum, [distinct(2, 3), distinct(2, 1)]),
    OpCase("Mul", "outer", lucid.outer, torch.outer, [(3,), (4,)]),
    OpCase("Mul", "Tensor.outer", lambda a, b: a.outer(b), lambda a, b: a.outer(b), [(2,), (5,)]),
]

EINSUM = [
    OpCase(
        "MatMul",
        "einsum matmul",
        lambda a, b: lucid.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 3), (3, 4)],
    ),
    OpCase(
        "MatMul",
        "einsum bmm",
        lambda a, b: lucid.einsum("bij,bjk->bik", a, b),
        lambda a, b: torch.einsum("bij,bjk->bik", a, b),
        [(2, 3, 4), (2, 4, 5)],
    ),
    OpCase(
        "MatMul",
        "einsum attention",
        lambda q, k: lucid.einsum("bhqd,bhkd->bhqk", q, k),
        lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k),
        [(2, 2, 3, 4), (2, 2, 5, 4)],
    ),
    OpCase(
        "MatMul",
        "einsum implicit output",
        lambda a, b: lucid.einsum("ij,kj", a, b),
        lambda a, b: torch.einsum("ij,kj", a, b),
        [(2, 3), (4, 3)],
    ),
    OpCase(
        "MatMul",
        "einsum list of operands",
        lambda a, b: lucid.einsum("ij,j->i", [a, b]),
        lambda a, b: torch.einsum("ij,j->i", [a, b]),
        [(3, 4), (4,)],
    ),
    OpCase(
        "MatMul",
        "einsum three operands",
        lambda a, b, c: lucid.einsum("ab,bc,cd->da", a, b, c),
        lambda a, b, c: torch.einsum("ab,bc,cd->da", a, b, c),
        [(2, 3), (3, 4), (4, 5)],
    ),
    OpCase(
        "MatMul",
        "einsum ellipsis broadcast",
        lambda a, b: lucid.einsum("...ij,...jk->...ik", a, b),
        lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
        [(2, 1, 3, 4), (5, 4, 2)],
    ),
    OpCase(
        "MatMul",
        "einsum summed size-1 dim",
        lambda a, b: lucid.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(2, 1), (3, 4)],
    ),
    OpCase(
        "Mul",
        "einsum outer",
        lambda a, b: lucid.einsum("i,j->ij", a, b),
        lambda a, b: torch.einsum("i,j->ij", a, b),
        [(3,), (2,)],
    ),
    OpCase(
        "Mul",
        "einsum batch elementwise",
        lambda a, b: lucid.einsum("bi,bi->b", a, b),
        lambda a, b: torch.einsum("bi,bi->b", a, b),
        [(3, 4), (3, 4)],
    ),
    OpCase("Sum", "einsum trace", lambda a: lucid.einsum("ii", a), lambda a: torch.einsum("ii", a), [(3, 3)]),
    OpCase(
        "Sum",
        "einsum diagonal",
        lambda a: lucid.einsum("bii->bi", a),
        lambda a: torch.einsum("bii->bi", a),
        [(2, 3, 3)],
    ),
    OpCase(
        "Transpose",
        "einsum transpose",
        lambda a: lucid.einsum("abc->cab", a),
        lambda a: torch.einsum("abc->cab", a),
        [(2, 3, 4)],
    ),
    OpCase(
        "Sum",
        "einsum spaces and capitals",
        lambda a, b: lucid.einsum("Ab, bC -> AC", a, b),
        lambda a, b: torch.einsum("Ab, bC -> AC", a, b),
        [(2, 3), (3, 2)],
    ),
]

NORMS = [
    OpCase("Sqrt", "norm()", lambda a: a.norm(), lambda a: a.norm(), [(3, 4)]),
    OpCase("Sqrt", "norm dim=1", lambda a: lucid.norm(a, dim=1), lambda a: torch.norm(a, dim=1), [(3, 4)]),
    OpCase(
        "Abs",
        "norm p=1 dims keepdim",
        lambda a: a.norm(p=1, dim=(0, 1), keepdim=True),
        lambda a: a.norm(p=1, dim=(0, 1), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase("Pow", "norm p=3", lambda a: a.norm(3, -1), lambda a: a.norm(3, -1), [(3, 4)]),
    OpCase(
        "Max",
        "norm p=inf",
        lambda a: a.norm(float("inf"), dim=0),
        lambda a: a.norm(float("inf"), dim=0),
        [distinct(3, 4)],
    ),
    OpCase("Svd", "norm p=nuc", lambda a: a.norm(p="nuc"), lambda a: a.norm(p="nuc"), [conditioned(3, 4)]),
    OpCase("Sqrt", "linalg.norm flat", lambda a: linalg.norm(a), lambda a: torch.linalg.norm(a), [(2, 3, 4)]),
    OpCase("Abs", "linalg.norm matrix ord=1", lambda a: linalg.norm(a, 1), lambda a: torch.linalg.norm(a, 1), [(3, 4)]),
    OpCase(
        "Abs",
        "linalg.norm ord inf dim tuple",
        lambda a: linalg.norm(a, float("inf"), dim=(-1, 0)),
        lambda a: torch.linalg.norm(a, float("inf"), dim=(-1, 0)),
        [(3, 2, 4)],
    ),
    OpCase(
        "Pow",
        "linalg.norm vector ord=0.5 dim=",
        lambda a: linalg.norm(a, 0.5, dim=-1),
        lambda a: torch.linalg.norm(a, 0.5, dim=-1),
        [(3, 4)],
    ),
    OpCase(
        "Sqrt",
        "vector_norm dim keepdim",
        lambda a: linalg.vector_norm(a, dim=(1, 2), keepdim=True),
        lambda a: torch.linalg.vector_norm(a, dim=(1, 2), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase(
        "Max",
        "vector_norm -inf",
        lambda a: linalg.vector_norm(a, -np.inf),
        lambda a: torch.linalg.vector_norm(a, -np.inf),
        [distinct(3, 4)],
    ),
    OpCase(
        "Sum",
        "vector_norm ord=0",
        # A count: no gradient in lucid (PyTorch's is zero everywhere), so the values alone are compared.
        lambda a: linalg.vector_norm(a.detach(), 0, dim=1),
        lambda a: torch.linalg.vector_norm(a.detach(), 0, dim=1),
        [np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]], dtype=np.float32)],
    ),
    OpCase(
        "Sqrt",
        "vector_norm of zeros",
        lambda a: linalg.vector_norm(a, dim=1),
        lambda a: torch.linalg.vector_norm(a, dim=1),
        [np.zeros((2, 3), dtype=np.float32)],
    ),
    OpCase(
        "Sqrt", "matrix_norm fro", lambda a: linalg.matrix_norm(a), lambda a: torch.linalg.matrix_norm(a), [(2, 3, 4)]
    ),
    OpCase(
        "Svd",
        "matrix_norm 2 keepdim",
        lambda a: linalg.matrix_norm(a, 2, keepdim=True),
        lambda a: torch.linalg.matrix_norm(a, 2, keepdim=True),
        [conditioned(2, 3, 4)],
    ),
    OpCase(
        "Svd",
        "matrix_norm -2 dims",
        lambda a: linalg.matrix_norm(a, -2, dim=(0, 2)),
        lambda a: torch.linalg.matrix_norm(a, -2, dim=(0, 2)),
        [np.ascontiguousarray(conditioned(2, 4, 3).transpose(1, 0, 2))],
    ),
    OpCase(
        "Svd",
        "matrix_norm nuc",
        lambda a: linalg.matrix_norm(a, "nuc"),
        lambda a: torch.linalg.matrix_norm(a, "nuc"),
        [conditioned(4, 3)],
    ),
    OpCase(
        "Abs",
        "matrix_norm -1",
        lambda a: linalg.matrix_norm(a, -1),
        lambda a: torch.linalg.matrix_norm(a, -1),
        [(3, 4)],
    ),
]

LINALG = [
    OpCase("Inv", "inv", linalg.inv, torch.linalg.inv, [conditioned(3, 3)]),
    OpCase("Inv", "inv batched", linalg.inv, torch.linalg.inv, [conditioned(2, 4, 4)]),
    OpCase("Det", "det", linalg.det, torch.linalg.det, [conditioned(3, 3)]),
    OpCase("Det", "det batched", linalg.det, torch.linalg.det, [conditioned(2, 2, 2)]),
    OpCase("Solve", "solve matrix", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (3, 2)]),
    OpCase("Solve", "solve vector", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (3,)]),
    OpCase("Solve", "solve batch of vectors", linalg.solve, torch.linalg.solve, [conditioned(2, 3, 3), (2, 3)]),
    OpCase("Solve", "solve broadcast", linalg.solve, torch.linalg.solve, [conditioned(3, 3), (2, 3, 2)]),
    OpCase(
        "Solve",
        "solve left=False",
        lambda a, b: linalg.solve(a, b, left=False),
        lambda a, b: torch.linalg.solve(a, b, left=False),
        [conditioned(3, 3), (2, 3)],
    ),
    OpCase("Cholesky", "cholesky", linalg.cholesky, torch.linalg.cholesky, [spd(3)]),
    OpCase(
        "Cholesky",
        "cholesky upper of x x^T",
        lambda x: linalg.cholesky(x @ x.mT + lucid.tensor(_FOUR_I), upper=True),
        lambda x: torch.linalg.cholesky(x @ x.mT + torch.from_numpy(_FOUR_I), upper=True),
        [(4, 4)],
    ),
    OpCase(
        "Svd",
        "svd reduced",
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh.mT)))(linalg.svd(a, full_matrices=False)),
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh.mT)))(torch.linalg.svd(a, full_matrices=False)),
        [conditioned(4, 3)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Svd",
        "svd full wide",
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh[..., :3, :].mT)))(linalg.svd(a)),
        lambda a: (lambda r: (signs(r.U), r.S, signs(r.Vh[..., :3, :].mT)))(torch.linalg.svd(a)),
        [conditioned(2, 3, 5)],
        grad_tol=1e-3,
    ),
    OpCase("Svd", "svdvals", linalg.svdvals, torch.linalg.svdvals, [conditioned(2, 5, 3)]),
    OpCase(
        "Qr",
        "qr tall",
        lambda a: _qr_fixed(linalg.qr(a)),
        lambda a: _qr_fixed(torch.linalg.qr(a)),
        [conditioned(5, 3)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Qr",
        "qr wide batched",
        lambda a: _qr_fixed(linalg.qr(a)),
        lambda a: _qr_fixed(torch.linalg.qr(a)),
        [conditioned(2, 3, 4)],
        grad_tol=1e-3,
    ),
    OpCase(
        "Qr",
        "qr complete",
        lambda a: _qr_fixed(linalg.qr(a, mode="complete")),
        lambda a: _qr_fixed(torch.linalg.qr(a, mode="complete")),
        [conditioned(3, 3)],
        grad_tol=1e-3,
    ),
]


def _qr_fixed(result: Any) -> tuple[Any, Any]:
    """Q and R with R's diagonal made positive (the factorisation is unique up to those signs)."""
    q, r = result
    lib = lucid if isinstance(q, lucid.Tensor) else torch
    k = min(r.shape[-2], r.shape[-1])
    diagonal = r[..., range(k), range(k)] if lib is torch else r[..., np.arange(k), np.arange(k)]
    flip = lib.where(diagonal >= 0, 1.0, -1.0)
    return q[..., :, :k] * flip.unsqueeze(-2), r[..., :k, :] * flip.unsqueeze(-1)


CREATION = [
    OpCase("Reshape", "arange(end)", lambda: lucid.arange(5), lambda: torch.arange(5), []),
    OpCase("Reshape", "arange float step", lambda: lucid.arange(1, 2.5, 0.25), lambda: torch.arange(1, 2.5, 0.25), []),
    OpCase("Reshape", "arange negative step", lambda: lucid.arange(3, -2, -1.5), lambda: torch.arange(3, -2, -1.5), []),
    OpCase(
        "Reshape",
        "arange end= dtype",
        lambda: lucid.arange(end=4, dtype=lucid.float64),
        lambda: torch.arange(end=4, dtype=torch.float64),
        [],
    ),
    OpCase("Reshape", "linspace", lambda: lucid.linspace(-1, 2, 7), lambda: torch.linspace(-1, 2, 7), []),
    OpCase(
        "Reshape",
        "linspace steps= dtype",
        lambda: lucid.linspace(0, 1, steps=5, dtype=lucid.float64),
        lambda: torch.linspace(0, 1, steps=5, dtype=torch.float64),
        [],
    ),
    OpCase(
        "BroadcastTo",
        "meshgrid ij",
        lambda a, b: lucid.meshgrid(a, b, indexing="ij"),
        lambda a, b: torch.meshgrid(a, b, indexing="ij"),
        [(3,), (2,)],
    ),
    OpCase(
        "BroadcastTo",
        "meshgrid xy list",
        lambda a, b, c: lucid.meshgrid([a, b, c], indexing="xy"),
        lambda a, b, c: torch.meshgrid([a, b, c], indexing="xy"),
        [(3,), (2,), (4,)],
    ),
    OpCase(
        "Cast",
        "float() double() long()",
        lambda a: (a.double() * 2, a.long(), a.float()),
        lambda a: (a.double() * 2, a.long(), a.float()),
        [(2, 3)],
    ),
    OpCase(
        "Cast",
        "to(dtype) and type_as",
        lambda a, b: (a.to(lucid.float64), a.type_as(b)),
        lambda a, b: (a.to(torch.float64), a.type_as(b)),
        [(3,), np.zeros(2, dtype=np.float64)],
    ),
    OpCase(
        "Cast",
        "new_zeros/new_ones/new_full",
        lambda a: (a.new_zeros(2, 3), a.new_ones((2,)), a.new_full((2, 2), 1.5)),
        lambda a: (a.new_zeros(2, 3), a.new_ones((2,)), a.new_full((2, 2), 1.5)),
        [(3,)],
    ),
]

OP_CASES: list[OpCase] = (
    JOIN_AND_SPLIT + SHAPE + INDEX + SORT_AND_REDUCE + ELEMENTWISE + EINSUM + NORMS + LINALG + CREATION
)


@pytest.mark.parametrize("case", op_params(OP_CASES))
def test_forward_and_gradients_match_pytorch(case: OpCase) -> None:
    check_op(case)
