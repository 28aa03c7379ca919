"""Behaviour of the PyTorch spellings that the parity cases do not show: the callable `size`, named-tuple results,
int64 indices, `to`/`cpu`/`contiguous`, the dim=/axis= mechanism itself, `import lucid` making lucid.nn and
lucid.linalg usable, meta (shape-only) tensors, and einsum's MACs counted through matmul."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lucid
from lucid import linalg
from lucid.autograd.function import set_op_observer
from lucid.shape_only import MetaArray
from viz.macs import op_macs

ROOT = Path(__file__).resolve().parents[1]


def test_size_is_the_element_count_and_called_is_pytorchs_shape() -> None:
    x = lucid.ones(2, 3, 4)
    assert x.size == 24 and isinstance(x.size, int)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4
    assert x.numel() == 24 and x.dim() == 3
    assert lucid.tensor(5.0).size() == () and lucid.tensor(5.0).size == 1


def test_max_with_dim_names_values_and_indices_and_axis_gives_the_values() -> None:
    x = lucid.tensor([[1.0, 7.0, 7.0], [4.0, 2.0, 0.0]])
    result = x.max(dim=1)
    assert result.values.tolist() == [7.0, 4.0]
    assert result.indices.tolist() == [1, 0]  # the first of two equal maxima, as PyTorch
    values, indices = lucid.min(x, dim=0, keepdim=True)
    assert values.shape == (1, 3) and indices.tolist() == [[0, 1, 1]]
    assert x.max(1).tolist() == [7.0, 4.0]  # lucid's positional axis: the values alone
    assert x.max(axis=1, keepdim=True).shape == (2, 1)
    assert lucid.max(x, lucid.full((2, 3), 3.0)).tolist() == [[3.0, 7.0, 7.0], [4.0, 3.0, 3.0]]


def test_max_over_dim_sends_the_gradient_to_the_index_it_returns() -> None:
    # PyTorch: max(dim) routes the gradient to the returned index; amax (lucid's axis= form) shares it among ties.
    x = lucid.tensor([[2.0, 2.0, 1.0]], requires_grad=True)
    x.max(dim=1).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0]]
    y = lucid.tensor([[2.0, 2.0, 1.0]], requires_grad=True)
    y.max(axis=1).sum().backward()
    assert y.grad.tolist() == [[0.5, 0.5, 0.0]]


def test_indices_are_int64_and_carry_no_gradient() -> None:
    x = lucid.randn(3, 5, requires_grad=True)
    for indices in (x.argmin(), x.argmin(dim=1), x.argsort(), x.sort().indices, x.topk(2).indices, x.max(dim=0)[1]):
        assert indices.dtype == np.int64 and not indices.requires_grad
    assert x.argmin(keepdim=True).shape == (1, 1)  # without a dim, over the flattened tensor, as PyTorch


def test_sort_puts_nan_where_pytorch_does() -> None:
    x = lucid.tensor([1.0, np.nan, -1.0, 3.0])
    assert x.sort().indices.tolist() == [2, 0, 3, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 3, 0, 2]
    ints = lucid.tensor([3, -(2**63), 5])
    assert ints.sort(descending=True).values.tolist() == [5, 3, -(2**63)]  # no overflow at the int64 minimum


@pytest.mark.parametrize("k", [1, 3, 8, 9, 20])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_topk_gives_the_k_extreme_values_on_every_path(k: int, dtype: type) -> None:
    # Small k runs argmax passes, larger k a partition, k past half a full sort. Values always agree with a sort;
    # equal values are taken by position except at the k-th place after a partition (PyTorch promises no order).
    data = np.random.default_rng(k).integers(-3, 4, size=(5, 40)).astype(dtype)
    if dtype is np.int64:
        data[0, :2] = np.iinfo(np.int64).min  # the value the argmax passes cover picked ones with
    for largest in (True, False):
        values, indices = lucid.tensor(data).topk(k, dim=1, largest=largest)
        ordered = np.sort(data, axis=1)
        expected = ordered[:, ::-1][:, :k] if largest else ordered[:, :k]
        np.testing.assert_array_equal(values.numpy(), expected)
        np.testing.assert_array_equal(np.take_along_axis(data, indices.numpy(), axis=1), expected)
        assert all(len(set(row)) == k for row in indices.numpy().tolist())
        by_rounds = k <= 8 and not (dtype is np.int64 and largest)  # the int minimum sends these to a partition
        if by_rounds or 2 * k > 40:
            key = np.argsort(-data.astype(np.float64) if largest else data, axis=1, kind="stable")
            np.testing.assert_array_equal(indices.numpy(), key[:, :k])


def test_to_cpu_contiguous_and_copies() -> None:
    x = lucid.ones(2, 3)
    assert x.cpu() is x and x.contiguous() is x and x.to("cpu") is x and x.to(lucid.float32) is x
    assert x.to("cpu", lucid.float64).dtype == np.float64
    assert x.to(dtype="int64").dtype == np.int64 and x.to(lucid.zeros(1, dtype=lucid.float16)).dtype == np.float16
    copy = x.to(copy=True)
    copy[0, 0] = 5.0
    assert x[0, 0].item() == 1.0
    assert (x.half().dtype, x.int().dtype, x.bool().dtype) == (np.float16, np.int32, np.bool_)


def test_any_and_all_give_a_bool_without_dim_and_a_tensor_with_one() -> None:
    x = lucid.tensor([[True, False], [True, True]])
    assert x.any() is True and x.all() is False
    assert x.all(dim=1).tolist() == [False, True] and x.any(axis=0, keepdim=True).tolist() == [[True, True]]


def test_the_pytorch_spelling_is_in_the_signature_and_reaches_the_same_argument() -> None:
    assert {"dim", "keepdim"} <= set(inspect.signature(lucid.sum).parameters)
    assert "axis" in inspect.signature(lucid.cumsum).parameters
    x = lucid.randn(2, 3, 4)
    np.testing.assert_array_equal(x.sum(dim=(0, -1), keepdim=True).numpy(), x.sum(axis=(0, -1), keepdims=True).numpy())
    np.testing.assert_array_equal(lucid.cumsum(x, axis=1).numpy(), lucid.cumsum(x, dim=1).numpy())
    assert x.flatten(start_dim=1).shape == x.flatten(start_axis=1).shape == (2, 12)


def test_scatter_and_scatter_add_match_their_definitions() -> None:
    base = np.arange(8.0).reshape(2, 4)
    index = np.array([[3, 0], [1, 1]])
    src = np.array([[10.0, 20.0], [30.0, 40.0]])
    added = lucid.scatter_add(lucid.tensor(base), 1, lucid.tensor(index), lucid.tensor(src)).numpy()
    expected = base.copy()
    for i in range(2):
        for j in range(2):
            expected[i, index[i, j]] += src[i, j]
    np.testing.assert_allclose(added, expected)
    written = lucid.scatter(lucid.tensor(base), 1, lucid.tensor([[3, 0]]), lucid.tensor(np.array([[1.0, 2.0]]))).numpy()
    assert written.tolist() == [[2.0, 1.0, 2.0, 1.0], [4.0, 5.0, 6.0, 7.0]]


def test_einsum_multiply_accumulates_are_counted_as_a_matmuls() -> None:
    counted: list[int] = []
    previous = set_op_observer(lambda name, ins, out, opts: counted.append(op_macs(name, ins, out, opts)))
    try:
        lucid.einsum("bij,bjk->bik", lucid.ones(2, 3, 4), lucid.ones(2, 4, 5))
    finally:
        set_op_observer(previous)
    assert sum(counted) == 2 * 3 * 4 * 5


def test_new_functions_run_on_meta_tensors() -> None:
    def meta(*shape: int) -> lucid.Tensor:
        return lucid.Tensor(MetaArray(shape, np.float32))

    x = meta(2, 3, 4)
    values, indices = x.topk(2, dim=1)
    assert (values.shape, indices.shape, indices.dtype) == ((2, 2, 4), (2, 2, 4), np.int64) and values.is_meta
    assert x.max(dim=-1).values.shape == (2, 3) and x.sort(dim=0).values.is_meta
    assert lucid.einsum("bij,bjk->bik", x, meta(2, 4, 5)).shape == (2, 3, 5)
    assert lucid.gather(lucid.randn(3, 4), 1, x.argmax(dim=2)).is_meta  # a meta index makes a meta result
    u, s, vh = linalg.svd(meta(5, 3), full_matrices=False)
    assert (u.shape, s.shape, vh.shape) == ((5, 3), (3,), (3, 3))
    assert linalg.qr(meta(2, 3, 5)).R.shape == (2, 3, 5) and linalg.norm(x, dim=1).shape == (2, 4)
    assert x.cumsum(0).is_meta and x.repeat(2, 1, 1).shape == (4, 3, 4) and x.any(dim=0).is_meta
    with lucid.meta():
        assert lucid.arange(5).is_meta and lucid.linspace(0, 1, 3).shape == (3,)


@pytest.mark.parametrize(
    "code",
    [
        "import lucid; lucid.nn.Linear(2, 2); lucid.linalg.svd; lucid.optim.SGD",
        "import lucid.linalg; import lucid; lucid.nn.functional.softmax",
        "import lucid.nn; import lucid; lucid.linalg.det",
        "from lucid.autograd.ops import norms; import lucid; lucid.tensor([1.0]).norm()",
        "from lucid.autograd.ops import sort; import lucid; lucid.sort",
    ],
)
def test_import_lucid_makes_nn_and_linalg_usable_from_any_first_import(code: str) -> None:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
