"""default_collate and default_convert against torch's on the same samples: the same structure, container types,
dtypes and values; and errors that name the batch element, its dataset index and where in the sample."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np
import pytest

import lucid
from lucid.data import DataLoader, Dataset, default_collate, default_convert

torch = pytest.importorskip("torch")
torch_data = pytest.importorskip("torch.utils.data")

Point = namedtuple("Point", ["x", "y"])


def plain(value: Any) -> Any:
    """Both libraries' outputs as comparable plain data: tensors become (dtype, shape, values)."""
    if isinstance(value, lucid.Tensor):
        return ("tensor", str(value.dtype), value.shape, value.numpy().tolist())
    if isinstance(value, torch.Tensor):
        array = value.numpy()
        return ("tensor", str(array.dtype), tuple(array.shape), array.tolist())
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, value.tolist())
    if isinstance(value, dict):
        return (type(value).__name__, {k: plain(v) for k, v in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def torch_sample(sample: Any) -> Any:
    """The same sample for torch: lucid Tensors become torch tensors."""
    if isinstance(sample, lucid.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return type(sample)((k, torch_sample(v)) for k, v in sample.items())
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(torch_sample(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(torch_sample(v) for v in sample)
    return sample


_rng = np.random.default_rng(0)
BATCHES: dict[str, list[Any]] = {
    "arrays float32": [_rng.random((2, 3), dtype=np.float32) for _ in range(4)],
    "arrays uint8": [_rng.integers(0, 255, (5,), dtype=np.uint8) for _ in range(3)],
    "0-d arrays": [np.array(i) for i in range(3)],
    "tensors": [lucid.randn(3) for _ in range(3)],
    "python floats": [0.5, 1.5, 2.25],
    "python ints": [1, 2, 3],
    "bools": [True, False, True],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy int scalars": [np.int16(1), np.int16(7)],
    "strings": ["a", "bb", "c"],
    "tuples": [(np.ones(2), 1, "x"), (np.zeros(2), 2, "y")],
    "lists": [[1.0, np.arange(3)], [2.0, np.arange(3)]],
    "dicts": [
        {"image": np.ones((2, 2)), "label": 3, "name": "a"},
        {"image": np.zeros((2, 2)), "label": 4, "name": "b"},
    ],
    "ordered dicts": [OrderedDict(b=1, a=2.0), OrderedDict(b=3, a=4.0)],
    "namedtuples": [Point(np.ones(2), 1), Point(np.zeros(2), 2)],
    "nested": [
        {"pair": (np.ones(1), {"deep": [1, 2]}), "tag": "p"},
        {"pair": (np.zeros(1), {"deep": [3, 4]}), "tag": "q"},
    ],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_torch(name: str) -> None:
    batch = BATCHES[name]
    ours = default_collate(batch)
    theirs = torch_data.default_collate([torch_sample(s) for s in batch])
    assert plain(ours) == plain(theirs)


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_convert_matches_torch(name: str) -> None:
    sample = BATCHES[name][0]
    assert plain(default_convert(sample)) == plain(torch_data.default_convert(torch_sample(sample)))


def test_stacked_batch_is_a_new_tensor() -> None:
    samples = [np.ones(2, dtype=np.float32), np.zeros(2, dtype=np.float32)]
    batch = default_collate(samples)
    batch.numpy()[0, 0] = 7
    assert samples[0][0] == 1  # the batch does not alias the samples


def test_tensors_requiring_grad_keep_the_graph() -> None:
    x = lucid.randn(3, requires_grad=True)
    batch = default_collate([x, x * 2])
    batch.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, 3.0))


def test_deep_samples_do_not_hit_the_recursion_limit() -> None:
    deep: Any = 1
    for _ in range(3000):
        deep = [deep]
    out = default_collate([deep, deep])
    for _ in range(3000):
        out = out[0]
    assert out.tolist() == [1, 1]


class Mixed(Dataset):
    """Sample 2 has a string where the others have an array: a dataset bug a user must be pointed at."""

    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"image": "missing.png" if i == 2 else np.zeros(2), "label": i}


def test_mixed_types_name_batch_element_dataset_index_and_place() -> None:
    with pytest.raises(TypeError) as caught:
        default_collate([{"image": np.zeros(2)}, {"image": "missing.png"}])
    message = str(caught.value)
    assert "batch element 1 has type str" in message and "element 0 has type ndarray" in message
    assert "sample['image']" in message
    loader = DataLoader(Mixed(), batch_size=3, shuffle=False)
    with pytest.raises(TypeError) as caught:
        list(loader)
    message = str(caught.value)
    assert "batch element 2 (dataset index 2) has type str" in message
    assert "batch element 0 (dataset index 0) has type ndarray" in message
    assert "sample['image']" in message


@pytest.mark.parametrize(
    ("batch", "kind", "fragments"),
    [
        ([np.zeros(2), np.zeros(3)], ValueError, ["batch element 1 has shape (3,)", "element 0 has shape (2,)"]),
        ([(1, 2), (1, 2, 3)], ValueError, ["batch element 1 has 3 items", "element 0 has 2"]),
        ([{"a": 1}, {"b": 1}], ValueError, ["batch element 1 has keys ["]),
        ([1, "one"], TypeError, ["batch element 1 has type str", "element 0 has type int"]),
        ([None, None], TypeError, ["found NoneType"]),
        ([np.array(["a", "b"]), np.array(["c", "d"])], TypeError, ["found an array of dtype <U1"]),
        ([[object()], [object()]], TypeError, ["found object in sample[0]"]),
        ([], ValueError, ["empty"]),
    ],
)
def test_collate_errors(batch: list[Any], kind: type, fragments: list[str]) -> None:
    with pytest.raises(kind) as caught:
        default_collate(batch)
    for fragment in fragments:
        assert fragment in str(caught.value)
