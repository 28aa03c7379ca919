"""Bad input to the tensor functions (PyTorch spellings, indexing, sorting, einsum, linalg) raises a ValueError,
TypeError or IndexError whose message names the function, the argument and what was given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import linalg

x24 = lucid.ones(2, 4)
x234 = lucid.ones(2, 3, 4)
rows = lucid.tensor([[0, 1], [1, 0]])
singular = lucid.tensor([[1.0, 2.0], [2.0, 4.0]])

# (label, call, exception type, every fragment the message must contain)
CASES: list[tuple[str, Callable[[], Any], type[Exception], list[str]]] = [
    # one argument, two spellings
    ("sum axis and dim", lambda: x24.sum(axis=1, dim=1), TypeError, ["sum()", "axis=", "dim="]),
    ("mean keepdims twice", lambda: x24.mean(1, keepdims=True, keepdim=True), TypeError, ["keepdims=", "keepdim="]),
    ("flatten start twice", lambda: x234.flatten(start_axis=1, start_dim=1), TypeError, ["start_axis=", "start_dim="]),
    ("max axis and dim", lambda: x24.max(axis=1, dim=1), TypeError, ["max()", "axis=", "dim="]),
    ("max keepdim twice", lambda: x24.max(dim=1, keepdims=True, keepdim=True), TypeError, ["keepdims=", "keepdim="]),
    ("max dim tuple", lambda: x24.max(dim=(0, 1)), TypeError, ["max(dim=...)", "(0, 1)", "amax"]),
    ("gather axis and dim", lambda: lucid.gather(x24, 1, rows, axis=1), TypeError, ["gather()", "dim=", "axis="]),
    (
        "softmax axis and dim",
        lambda: lucid.nn.functional.softmax(x24, axis=0, dim=0),
        TypeError,
        ["softmax()", "axis=", "dim="],
    ),
    (
        "var correction and unbiased",
        lambda: x24.var(correction=0, unbiased=False),
        TypeError,
        ["correction=", "unbiased="],
    ),
    ("argmax dim tuple", lambda: x24.argmax(dim=(0, 1)), TypeError, ["argmax", "(0, 1)"]),
    # dims
    ("gather dim", lambda: lucid.gather(x24, 2, rows), ValueError, ["gather", "dim 2", "(2, 4)"]),
    ("cumsum dim", lambda: x24.cumsum(dim=-3), ValueError, ["cumsum", "dim -3", "(2, 4)"]),
    ("cumprod dim type", lambda: x24.cumprod(1.5), TypeError, ["cumprod", "dim", "1.5"]),
    ("sort dim", lambda: x24.sort(dim=2), ValueError, ["sort", "dim 2", "(2, 4)"]),
    ("argsort dim type", lambda: x24.argsort(dim="1"), TypeError, ["argsort", "dim", "'1'"]),
    ("topk dim", lambda: x24.topk(1, dim=3), ValueError, ["topk", "dim 3", "(2, 4)"]),
    ("roll dim", lambda: x24.roll(1, 2), ValueError, ["roll", "dims 2", "(2, 4)"]),
    ("flip dim", lambda: x24.flip(2), ValueError, ["flip", "dims 2", "(2, 4)"]),
    ("flip twice", lambda: x24.flip(0, -2), ValueError, ["flip", "(0, -2)", "twice"]),
    ("permute", lambda: x24.permute(0, 0), ValueError, ["permute", "(0, 0)", "(2, 4)"]),
    ("unflatten dim", lambda: x24.unflatten(2, (2, 2)), ValueError, ["unflatten", "dim 2", "(2, 4)"]),
    ("logsumexp dim", lambda: x24.logsumexp(dim=5), ValueError, ["axis 5", "(2, 4)"]),
    ("size dim", lambda: x24.size(2), ValueError, ["size", "dim 2", "(2, 4)"]),
    ("index_select dim", lambda: x24.index_select(-3, lucid.tensor([0])), ValueError, ["index_select", "dim -3"]),
    # shapes and values
    ("topk k", lambda: x24.topk(5), ValueError, ["topk", "k 5", "size 4", "(2, 4)"]),
    ("topk k type", lambda: x24.topk(1.0), TypeError, ["topk", "k", "1.0"]),
    ("roll lengths", lambda: x24.roll((1, 2), (0,)), ValueError, ["roll", "(1, 2)", "(0,)", "same length"]),
    ("roll flat shifts", lambda: x24.roll((1, 2)), ValueError, ["roll", "without dims", "(1, 2)"]),
    ("repeat too few", lambda: x24.repeat(2), ValueError, ["repeat", "(2,)", "(2, 4)"]),
    ("repeat negative", lambda: x24.repeat(2, -1), ValueError, ["repeat", "non-negative", "(2, -1)"]),
    ("expand size", lambda: x24.expand(3, 4), ValueError, ["expand", "(2, 4)", "(3, 4)", "dim 0", "size 2"]),
    ("expand too few", lambda: x24.expand(4), ValueError, ["expand", "(4,)", "(2, 4)"]),
    ("expand new -1", lambda: x24.expand(-1, 2, 4), ValueError, ["expand", "leading dim 0", "-1"]),
    ("unflatten sizes", lambda: x24.unflatten(1, (3, 2)), ValueError, ["unflatten", "(3, 2)", "size 4", "(2, 4)"]),
    ("unflatten two -1", lambda: x24.unflatten(1, (-1, -1)), ValueError, ["unflatten", "(-1, -1)", "one -1"]),
    ("tril 1-D", lambda: lucid.tril(lucid.ones(4)), ValueError, ["tril", "at least 2", "(4,)"]),
    ("triu diagonal type", lambda: x24.triu(0.5), TypeError, ["triu", "diagonal", "0.5"]),
    ("clamp nothing", lambda: lucid.clamp(x24), ValueError, ["clamp", "min", "max"]),
    ("outer 2-D", lambda: lucid.outer(x24, lucid.ones(3)), ValueError, ["outer", "1-D", "(2, 4)", "(3,)"]),
    ("t of 3-D", lambda: x234.t(), ValueError, ["t()", "2 dims", "(2, 3, 4)"]),
    ("to a GPU", lambda: x24.to("cuda"), ValueError, ["to()", "CPU", "'cuda'"]),
    ("arange direction", lambda: lucid.arange(0, 5, -1), ValueError, ["arange", "step -1", "end 5"]),
    ("arange bound type", lambda: lucid.arange("5"), TypeError, ["arange", "end", "'5'"]),
    ("linspace steps type", lambda: lucid.linspace(0, 1, 2.5), TypeError, ["linspace", "steps", "2.5"]),
    # index tensors
    ("gather float index", lambda: lucid.gather(x24, 1, lucid.ones(2, 2)), TypeError, ["gather", "index", "float32"]),
    (
        "gather index range",
        lambda: lucid.gather(x24, 1, lucid.tensor([[0, 4]])),
        IndexError,
        ["gather", "index 4", "dim 1", "size 4", "(2, 4)"],
    ),
    ("gather negative index", lambda: lucid.gather(x24, 1, lucid.tensor([[-1]])), IndexError, ["gather", "index -1"]),
    ("gather index dims", lambda: lucid.gather(x24, 1, lucid.tensor([0])), ValueError, ["gather", "(1,)", "(2, 4)"]),
    (
        "gather index larger",
        lambda: lucid.gather(x24, 1, lucid.zeros(3, 1, dtype=lucid.int64)),
        ValueError,
        ["gather", "(3, 1)", "(2, 4)", "dim 0", "3 > 2"],
    ),
    ("gather 0-d", lambda: lucid.gather(lucid.tensor(1.0), 0, lucid.tensor(0)), ValueError, ["gather", "0-d"]),
    (
        "scatter src dtype",
        lambda: lucid.scatter(x24, 1, rows, lucid.ones(2, 2, dtype=lucid.float64)),
        TypeError,
        ["scatter", "float64", "float32"],
    ),
    (
        "scatter src and value",
        lambda: lucid.scatter(x24, 1, rows, 1.0, value=2.0),
        TypeError,
        ["scatter", "src", "value"],
    ),
    (
        "scatter bool index",
        lambda: x24.scatter(1, lucid.tensor([[True]]), 1.0),
        TypeError,
        ["scatter", "index", "bool"],
    ),
    (
        "scatter_add src smaller",
        lambda: lucid.scatter_add(x24, 1, rows, lucid.ones(2, 1)),
        ValueError,
        ["scatter_add", "(2, 2)", "src shape (2, 1)"],
    ),
    (
        "scatter_add range",
        lambda: x24.scatter_add(0, rows * 2, lucid.ones(2, 2)),
        IndexError,
        ["scatter_add", "index 2"],
    ),
    ("index_select 2-D", lambda: x24.index_select(0, rows), ValueError, ["index_select", "1-D", "(2, 2)"]),
    (
        "index_select range",
        lambda: x24.index_select(0, lucid.tensor([2])),
        IndexError,
        ["index_select", "index 2", "size 2"],
    ),
    ("masked_fill mask dtype", lambda: x24.masked_fill(rows, 0.0), TypeError, ["masked_fill", "mask", "int64"]),
    (
        "masked_fill mask shape",
        lambda: x24.masked_fill(lucid.ones(3) > 0, 0.0),
        ValueError,
        ["masked_fill", "(3,)", "(2, 4)"],
    ),
    (
        "masked_fill value shape",
        lambda: x24.masked_fill(x24 > 0, lucid.ones(2)),
        ValueError,
        ["masked_fill", "value", "(2,)"],
    ),
    # einsum
    (
        "einsum operand count",
        lambda: lucid.einsum("ij,jk->ik", x24),
        ValueError,
        ["einsum", "2 operands", "1 were given"],
    ),
    ("einsum character", lambda: lucid.einsum("i1->i", x24), ValueError, ["einsum", "'1'", "'i1->i'"]),
    (
        "einsum dims",
        lambda: lucid.einsum("ijk->i", x24),
        ValueError,
        ["einsum", "operand 0", "2 dims", "(2, 4)", "'ijk'"],
    ),
    (
        "einsum sizes",
        lambda: lucid.einsum("ij,jk->ik", x24, lucid.ones(3, 2)),
        ValueError,
        ["einsum", "'j'", "size 4", "3"],
    ),
    ("einsum unknown output", lambda: lucid.einsum("ij->iz", x24), ValueError, ["einsum", "['z']"]),
    ("einsum repeated output", lambda: lucid.einsum("ij->ii", x24), ValueError, ["einsum", "'ii'", "repeat"]),
    ("einsum diagonal sizes", lambda: lucid.einsum("ii->i", x24), ValueError, ["einsum", "'i'", "2", "4"]),
    ("einsum equation type", lambda: lucid.einsum(x24, x24), TypeError, ["einsum", "equation", "Tensor"]),
    # linalg
    ("inv non-square", lambda: linalg.inv(lucid.ones(2, 3)), ValueError, ["linalg.inv", "square", "(2, 3)"]),
    ("inv integers", lambda: linalg.inv(lucid.tensor([[1, 0], [0, 1]])), TypeError, ["linalg.inv", "int64"]),
    ("inv singular", lambda: linalg.inv(singular), ValueError, ["linalg.inv", "singular", "(2, 2)"]),
    ("det vector", lambda: linalg.det(lucid.ones(3)), ValueError, ["linalg.det", "square", "(3,)"]),
    (
        "solve rows",
        lambda: linalg.solve(lucid.ones(3, 3), lucid.ones(2)),
        ValueError,
        ["linalg.solve", "(3, 3)", "(2,)"],
    ),
    (
        "solve batch",
        lambda: linalg.solve(lucid.ones(2, 3, 3), lucid.ones(4, 3, 1)),
        ValueError,
        ["linalg.solve", "(2, 3, 3)", "(4, 3, 1)", "broadcast"],
    ),
    ("solve singular", lambda: linalg.solve(singular, lucid.ones(2)), ValueError, ["linalg.solve", "singular"]),
    (
        "cholesky indefinite",
        lambda: linalg.cholesky(-lucid.ones(2, 2)),
        ValueError,
        ["linalg.cholesky", "positive-definite"],
    ),
    ("svd vector", lambda: linalg.svd(lucid.ones(3)), ValueError, ["linalg.svd", "(3,)"]),
    ("qr mode", lambda: linalg.qr(x24, mode="full"), ValueError, ["linalg.qr", "mode", "'full'"]),
    ("vector_norm integers", lambda: linalg.vector_norm(rows), TypeError, ["vector_norm", "int64"]),
    ("vector_norm ord", lambda: linalg.vector_norm(x24, "fro"), TypeError, ["vector_norm", "ord", "'fro'"]),
    ("norm ord on 3-D", lambda: linalg.norm(x234, 2), ValueError, ["linalg.norm", "1-D or 2-D", "(2, 3, 4)"]),
    ("norm three dims", lambda: linalg.norm(x234, dim=(0, 1, 2)), ValueError, ["linalg.norm", "1 or 2", "(0, 1, 2)"]),
    ("norm matrix ord on a vector", lambda: linalg.norm(x24, "nuc", dim=1), ValueError, ["linalg.norm", "'nuc'"]),
    ("matrix_norm ord", lambda: linalg.matrix_norm(x24, 3), ValueError, ["matrix_norm", "ord", "3"]),
    (
        "matrix_norm dims",
        lambda: linalg.matrix_norm(x24, dim=(1, -1)),
        ValueError,
        ["matrix_norm", "(1, -1)", "different"],
    ),
    ("Tensor.norm p", lambda: x24.norm(p="max"), ValueError, ["norm", "'max'"]),
]


@pytest.mark.parametrize(("label", "call", "kind", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_message_names_function_argument_and_value(
    label: str, call: Callable[[], Any], kind: type[Exception], fragments: list[str]
) -> None:
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{label}: {fragment!r} missing from {message!r}"


def test_a_failed_check_records_no_graph() -> None:
    x = lucid.ones(2, 4, requires_grad=True)
    with pytest.raises(IndexError):
        lucid.gather(x, 1, lucid.tensor([[9]]))
    assert x.grad is None and np.array_equal(x.numpy(), np.ones((2, 4)))
