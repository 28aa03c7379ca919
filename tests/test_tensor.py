"""Tensor creation, dtypes, properties, repr and operators, checked against NumPy and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucid

# ---- creation and dtypes ---------------------------------------------------------------------


def test_tensor_dtype_defaults_follow_pytorch() -> None:
    assert lucid.tensor([1.0, 2.5]).dtype == np.float32
    assert lucid.tensor([1, 2.5]).dtype == np.float32
    assert lucid.tensor(3).dtype == np.int64
    assert lucid.tensor([True, False]).dtype == np.bool_
    assert lucid.tensor(np.zeros(2)).dtype == np.float64  # a NumPy array keeps its dtype
    assert lucid.zeros(2).dtype == lucid.float32


def test_requested_float64_keeps_full_precision() -> None:
    x = lucid.tensor([0.1, 1 / 3], dtype=lucid.float64)
    assert x.dtype == np.float64
    assert x.tolist() == [0.1, 1 / 3]
    assert lucid.tensor([0.1], dtype="float64").item() == 0.1


def test_tensor_copies_its_data() -> None:
    data = np.ones(3)
    x = lucid.tensor(data)
    data[0] = 5.0
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_astype_converts_between_dtypes() -> None:
    x = lucid.tensor([1.7, -2.2, 0.0])
    assert x.astype(lucid.int64).tolist() == [1, -2, 0]
    assert x.astype(lucid.bool_).tolist() == [True, True, False]
    assert x.astype("float64").dtype == np.float64
    assert x.astype(lucid.float32) is x


@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones_take_shape_as_varargs_tuple_or_list(name: str) -> None:
    make = getattr(lucid, name)
    expected = getattr(np, name)((2, 3), dtype=np.float32)
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        np.testing.assert_array_equal(t.numpy(), expected)
        assert t.dtype == np.float32 and t.shape == (2, 3)
    assert make(()).shape == ()
    assert make(4, dtype=lucid.float64).dtype == np.float64
    assert make(2, requires_grad=True).requires_grad


def test_full_and_like_functions() -> None:
    np.testing.assert_array_equal(lucid.full((2, 3), 1.5).numpy(), np.full((2, 3), 1.5, dtype=np.float32))
    assert lucid.full(3, 1.5).dtype == np.float32
    assert lucid.full(3, 7).dtype == np.int64
    assert lucid.full(3, True).dtype == np.bool_
    ints = lucid.tensor([[1, 2, 3]])
    assert lucid.zeros_like(ints).dtype == np.int64 and lucid.zeros_like(ints).shape == (1, 3)
    assert lucid.ones_like(ints, dtype=lucid.float64).tolist() == [[1.0, 1.0, 1.0]]


def test_arange_and_linspace_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for args in ((5,), (2, 9, 3), (0, 1, 0.25), (1.0, -1.0, -0.5), (3.0,)):
        ours, theirs = lucid.arange(*args), torch.arange(*args)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    np.testing.assert_allclose(lucid.linspace(-1, 2, 7).numpy(), torch.linspace(-1, 2, 7).numpy(), rtol=1e-6)
    assert lucid.linspace(0, 1, 4).dtype == np.float32


def test_random_creation_is_seeded_and_in_range() -> None:
    lucid.random.seed(3)
    first = (lucid.randn(4, 5), lucid.rand(3), lucid.randint(2, 9, (100,)))
    lucid.random.seed(3)
    second = (lucid.randn(4, 5), lucid.rand(3), lucid.randint(2, 9, (100,)))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    randn, rand, randint = first
    assert randn.shape == (4, 5) and randn.dtype == np.float32
    assert ((rand.numpy() >= 0) & (rand.numpy() < 1)).all()
    assert randint.dtype == np.int64 and randint.numpy().min() >= 2 and randint.numpy().max() <= 8
    assert lucid.randint(3, size=(2, 2)).numpy().max() < 3
    assert lucid.randn((2, 3), dtype=lucid.float64).dtype == np.float64
    big = lucid.randn(20_000).numpy()
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1) < 0.05


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(3, 4), (2, 3, 4), (5,)])
def test_meshgrid_matches_pytorch(indexing: str, sizes: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    arrays = [np.arange(n, dtype=np.float32) * (i + 1) for i, n in enumerate(sizes)]
    ours = lucid.meshgrid(*[lucid.tensor(a) for a in arrays], indexing=indexing)
    theirs = torch.meshgrid(*[torch.from_numpy(a) for a in arrays], indexing=indexing)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert o.shape == tuple(t.shape)
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.parametrize(
    ("shape", "arg", "axis"),
    [((7, 2), 3, 0), ((6, 2), 2, 0), ((2, 7), [2, 0, 5], 1), ((2, 5), 5, -1), ((4,), 9, 0)],
)
def test_split_matches_pytorch(shape: tuple[int, ...], arg: object, axis: int) -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    ours = lucid.tensor(data).split(arg, axis=axis)
    theirs = torch.from_numpy(data).split(arg, dim=axis)
    assert [p.shape for p in ours] == [tuple(t.shape) for t in theirs]
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.parametrize(("length", "chunks"), [(6, 3), (7, 3), (6, 4), (5, 5), (2, 4), (10, 3)])
def test_chunk_matches_pytorch(length: int, chunks: int) -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(length * 2, dtype=np.float32).reshape(2, length)
    ours = lucid.chunk(lucid.tensor(data), chunks, axis=1)
    theirs = torch.from_numpy(data).chunk(chunks, dim=1)
    assert [p.shape for p in ours] == [tuple(t.shape) for t in theirs]
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(o.numpy(), t.numpy())


# ---- properties, conversion, repr ----------------------------------------------------------


def test_properties() -> None:
    x = lucid.ones(2, 3, 4)
    assert x.shape == (2, 3, 4) and all(type(s) is int for s in x.shape)
    assert x.ndim == 3 and x.size == 24 and len(x) == 2
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    assert not x.requires_grad and x.grad is None and x.is_leaf


def test_numpy_item_tolist_and_python_numbers() -> None:
    x = lucid.tensor([[1.5, 2.0]])
    assert isinstance(x.numpy(), np.ndarray) and np.shares_memory(x.numpy(), x.data)
    assert x.tolist() == [[1.5, 2.0]]
    one = lucid.tensor([[2.5]])
    assert one.item() == 2.5 and type(one.item()) is float
    assert float(one) == 2.5 and int(lucid.tensor(7)) == 7
    assert type(lucid.tensor(3).item()) is int
    assert bool(lucid.tensor([True])) and not bool(lucid.tensor(0.0))


def test_repr_shows_values_and_only_the_non_default_extras() -> None:
    assert repr(lucid.tensor([1.0, 2.5])) == "tensor([1. , 2.5])"
    assert repr(lucid.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(lucid.tensor([1.0], dtype=lucid.float64)) == "tensor([1.], dtype=float64)"
    x = lucid.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<Mul>)"
    assert repr(lucid.tensor(0.5)) == "tensor(0.5)"
    assert repr(lucid.zeros(2, 2)) == "tensor([[0., 0.],\n        [0., 0.]])"


# ---- operators -----------------------------------------------------------------------------


def test_arithmetic_with_python_scalars_on_either_side_keeps_the_tensor_dtype() -> None:
    x = lucid.tensor([1.0, 2.0, 4.0])
    cases = {
        "x + 1": (x + 1, [2.0, 3.0, 5.0]),
        "1 + x": (1 + x, [2.0, 3.0, 5.0]),
        "x - 1": (x - 1, [0.0, 1.0, 3.0]),
        "1 - x": (1 - x, [0.0, -1.0, -3.0]),
        "x * 2": (x * 2, [2.0, 4.0, 8.0]),
        "2 * x": (2 * x, [2.0, 4.0, 8.0]),
        "x / 2": (x / 2, [0.5, 1.0, 2.0]),
        "4 / x": (4 / x, [4.0, 2.0, 1.0]),
        "x ** 2": (x**2, [1.0, 4.0, 16.0]),
        "2 ** x": (2**x, [2.0, 4.0, 16.0]),
        "-x": (-x, [-1.0, -2.0, -4.0]),
        "abs(-x)": (abs(-x), [1.0, 2.0, 4.0]),
    }
    for label, (result, expected) in cases.items():
        assert result.dtype == np.float32, label
        assert result.tolist() == expected, label
    assert (np.float32(2) * x).dtype == np.float32 and isinstance(np.float32(2) * x, lucid.Tensor)


def test_operators_broadcast_like_numpy() -> None:
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3, 1)
    b = np.arange(4.0, dtype=np.float32) + 1
    ta, tb = lucid.tensor(a), lucid.tensor(b)
    for ours, theirs in ((ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b), (ta**tb, a**b)):
        assert ours.shape == theirs.shape == (2, 3, 4)
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6)


def test_comparison_with_none_or_strings_is_false_not_an_error() -> None:
    x = lucid.tensor([1.0])
    assert (x == None) is False  # noqa: E711 - the point of the test
    assert (x != "a") is True


def test_math_functions_match_numpy() -> None:
    data = np.array([[0.3, 1.2, 2.7], [0.9, 1.6, 0.05]])
    x = lucid.tensor(data, dtype=lucid.float64)
    for name in ("exp", "log", "sqrt", "abs", "tanh"):
        np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(np, name)(data), rtol=1e-12)
    np.testing.assert_allclose(x.sigmoid().numpy(), 1 / (1 + np.exp(-data)), rtol=1e-12)
    np.testing.assert_allclose(x.clip(0.5, 1.5).numpy(), np.clip(data, 0.5, 1.5))
    np.testing.assert_allclose(lucid.maximum(x, 1.0).numpy(), np.maximum(data, 1.0))
    np.testing.assert_allclose(lucid.minimum(1.0, x).numpy(), np.minimum(data, 1.0))
    np.testing.assert_allclose(lucid.where(x > 1, x, -x).numpy(), np.where(data > 1, data, -data))
    erf_reference = [[math.erf(v) for v in row] for row in data]
    np.testing.assert_allclose(x.erf().numpy(), erf_reference, rtol=1e-13)


def test_relu_of_a_negative_is_positive_zero_as_in_pytorch() -> None:
    out = lucid.relu(lucid.tensor([-2.0, 3.0])).numpy()
    assert not np.signbit(out[0]) and out.tolist() == [0.0, 3.0]
