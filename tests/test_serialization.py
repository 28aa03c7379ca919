"""lucid.save / lucid.load: round trips, and clear refusals of files lucid did not write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

import lucid
from lucid.serialization import MARKER


def _state() -> dict[str, object]:
    return {
        "stem.conv.weight": lucid.randn(4, 3, 3, 3),
        "stem.norm.running_mean": np.arange(4, dtype=np.float64),
        "stem.norm.num_batches_tracked": lucid.tensor(7),
        "head.bias": lucid.zeros(10, dtype=lucid.float16),
        "mask": np.array([True, False]),
        "file": lucid.ones(1),  # would collide with numpy.savez's own `file` argument
        "a.b/c": np.float32(2.5),
    }


def test_round_trip_keeps_names_order_values_and_dtypes(tmp_path: Path) -> None:
    state = _state()
    path = tmp_path / "weights.npz"
    assert lucid.save(state, path) is None
    loaded = lucid.load(str(path))
    assert list(loaded) == list(state)
    for name, value in state.items():
        assert isinstance(loaded[name], lucid.Tensor), name
        expected = np.asarray(value)
        assert loaded[name].dtype == expected.dtype, name
        np.testing.assert_array_equal(loaded[name].numpy(), expected)
    assert not loaded["stem.conv.weight"].requires_grad


def test_the_file_is_a_plain_npz_readable_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"  # any suffix: nothing is appended to the name
    lucid.save({"w": lucid.ones(2, 2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.bin"]  # no leftover temporary file
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == [MARKER, "w"]
        np.testing.assert_array_equal(archive["w"], np.ones((2, 2), dtype=np.float32))


def test_save_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"a": lucid.ones(3)}, path)
    lucid.save({"b": lucid.zeros(2)}, path)
    assert list(lucid.load(path)) == ["b"]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.npz"
    with pytest.raises(ValueError, match=r"nope\.npz.*no such file"):
        lucid.load(path)
    with pytest.raises(ValueError, match="not a regular file"):
        lucid.load(tmp_path)


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"w": lucid.randn(64, 64), "b": lucid.randn(64)}, path)
    data = path.read_bytes()
    for keep in (len(data) // 2, len(data) - 10, 40):
        cut = tmp_path / f"cut{keep}.npz"
        cut.write_bytes(data[:keep])
        with pytest.raises(ValueError, match=rf"cut{keep}\.npz.*damaged or truncated.*save it again"):
            lucid.load(cut)


def test_corrupted_entry_is_caught_by_its_checksum(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"w": lucid.zeros(256)}, path)
    data = bytearray(path.read_bytes())
    at = data.index(b"\x00" * 256)  # inside the stored array bytes
    data[at + 100] = 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"entry 'w' is damaged"):
        lucid.load(path)


def test_garbage_and_other_formats_are_not_weight_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a weight file\n" * 10)
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    pickled = tmp_path / "pickled.npz"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)  # the start of a pickle stream
    for path in (garbage, npy, pickled):
        with pytest.raises(ValueError, match=rf"{path.name}.*not a lucid weight file"):
            lucid.load(path)


def test_foreign_npz_without_marker(tmp_path: Path) -> None:
    path = tmp_path / "foreign.npz"
    np.savez(path, weight=np.ones(3))
    with pytest.raises(ValueError, match=r"foreign\.npz.*without lucid's marker.*numpy\.load"):
        lucid.load(path)


def test_npz_with_a_wrong_marker(tmp_path: Path) -> None:
    path = tmp_path / "fake.npz"
    np.savez(path, **{MARKER: np.array(["something", "else"]), "w": np.ones(2)})
    with pytest.raises(ValueError, match="not lucid's"):
        lucid.load(path)
    np.savez(path, **{MARKER: np.array(["lucid-weights", "99"]), "w": np.ones(2)})
    with pytest.raises(ValueError, match=r"version 99.*upgrade lucid"):
        lucid.load(path)


def test_object_arrays_are_refused_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "objects.npz"
    # A file that looks like ours but smuggles a pickled object array.
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open(MARKER + ".npy", "w") as entry:
            np.lib.format.write_array(entry, np.array(["lucid-weights", "1"]))
        with archive.open("evil.npy", "w") as entry:
            np.lib.format.write_array(entry, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"objects\.npz.*entry 'evil' holds Python objects"):
        lucid.load(path)


def test_save_rejects_what_it_cannot_store(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    with pytest.raises(TypeError, match="'w' is a list"):
        lucid.save({"w": [1.0, 2.0]}, path)
    with pytest.raises(TypeError, match="'o' has dtype object"):
        lucid.save({"o": np.array([None])}, path)
    with pytest.raises(TypeError, match="keys must be non-empty strings"):
        lucid.save({3: lucid.ones(1)}, path)
    with pytest.raises(ValueError, match="reserved"):
        lucid.save({MARKER: lucid.ones(1)}, path)
    with pytest.raises(TypeError, match="expected a mapping"):
        lucid.save([lucid.ones(1)], path)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not exist"):
        lucid.save({"w": lucid.ones(1)}, tmp_path / "missing_dir" / "w.npz")
    assert not path.exists()
