"""lucid.load on hostile files, and lucid.save failing safely (issue 17).

The hostile files are built by hand with zipfile and opened in a child process under a memory limit, so a
regression that inflates a bomb or allocates a declared 4 TB array fails the test instead of swapping.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lucid
from lucid.serialization import MARKER

BOMB_BYTES = 256 << 20  # what each compressed bomb inflates to
MEMORY_LIMIT = 512 << 20  # the child's address space: lucid + NumPy need ~150 MB; a bomb read whole needs more

_CHILD = """
import json, resource, sys
import lucid
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
results = {{}}
for path in sys.argv[1:]:
    try:
        loaded = lucid.load(path)
        results[path] = {{"error": None, "message": repr({{k: v.shape for k, v in loaded.items()}})}}
    except BaseException as exc:
        results[path] = {{"error": type(exc).__name__, "message": str(exc)}}
print(json.dumps(results))
"""


def _write_npy(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(name + ".npy", "w", force_zip64=True) as entry:
        np.lib.format.write_array(entry, array, allow_pickle=False)


def _write_marker(archive: zipfile.ZipFile) -> None:
    _write_npy(archive, MARKER, np.array(["lucid-weights", "1"]))


def _bomb(path: Path, compression: int) -> Path:
    """A lucid-looking file whose one entry is BOMB_BYTES of zeros, compressed to almost nothing."""
    count = BOMB_BYTES // 4
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0, dtype=np.float32)) | {"shape": (count,)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        _write_marker(archive)
        info = zipfile.ZipInfo("weight.npy")
        info.compress_type = compression
        with archive.open(info, "w", force_zip64=True) as entry:
            np.lib.format.write_array_header_1_0(entry, header)
            zeros = bytes(16 << 20)
            for _ in range(BOMB_BYTES // len(zeros)):
                entry.write(zeros)
    return path


def _declaring(path: Path, shape: tuple[int, ...], data: bytes) -> Path:
    """A file whose entry's .npy header declares `shape` of float32 but which holds only `data`."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0, dtype=np.float32)) | {"shape": shape}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        _write_marker(archive)
        with archive.open("weight.npy", "w") as entry:
            np.lib.format.write_array_header_1_0(entry, header)
            entry.write(data)
    return path


def _holding(path: Path, array: np.ndarray) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        _write_marker(archive)
        _write_npy(archive, "weight", array)
    return path


REFUSED_DTYPES = {
    "unicode": np.array(["abc", "de"]),
    "bytes": np.array([b"abc", b"de"]),
    "datetime": np.array(["2024-01-01"], dtype="datetime64[D]"),
    "timedelta": np.array([3], dtype="timedelta64[s]"),
    "structured": np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]),
    "complex": np.ones(3, dtype=np.complex64),
    "void": np.zeros(2, dtype="V8"),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str | None]]:
    """Build every hostile file, open them all in one memory-limited child: file stem -> error and message."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = [
        _bomb(folder / "bzip2_bomb.npz", zipfile.ZIP_BZIP2),
        _bomb(folder / "lzma_bomb.npz", zipfile.ZIP_LZMA),
        _bomb(folder / "deflate_bomb.npz", zipfile.ZIP_DEFLATED),
        _declaring(folder / "tera.npz", (10**6, 10**6), b"\x00" * 64),
        _declaring(folder / "short.npz", (1000,), b"\x00" * 400),
        _declaring(folder / "long.npz", (10,), b"\x00" * 400),
        _declaring(folder / "negative.npz", (-4,), b""),
    ]
    paths += [_holding(folder / f"dtype_{kind}.npz", array) for kind, array in REFUSED_DTYPES.items()]
    compressed = folder / "savez_compressed.npz"
    np.savez_compressed(compressed, **{MARKER: np.array(["lucid-weights", "1"]), "w": np.ones(3)})
    paths.append(compressed)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(folder / "twice.npz", "w") as archive:
        _write_marker(archive)
        _write_npy(archive, "w", np.ones(3, dtype=np.float32))
        _write_npy(archive, "w", np.ones(3, dtype=np.float32))
    paths.append(folder / "twice.npz")
    valid = folder / "valid.npz"
    lucid.save({"w": lucid.ones(2, 3)}, valid)
    paths.append(valid)

    assert all(path.stat().st_size < 1 << 20 for path in paths)  # the bombs are small on disk
    script = _CHILD.format(limit=MEMORY_LIMIT)
    run = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return {Path(path).stem: result for path, result in json.loads(run.stdout).items()}


def test_the_memory_limited_child_still_loads_a_real_file(loaded: dict[str, dict[str, str | None]]) -> None:
    assert loaded["valid"] == {"error": None, "message": "{'w': (2, 3)}"}


@pytest.mark.parametrize(
    ("stem", "method"), [("bzip2_bomb", "bzip2"), ("lzma_bomb", "lzma"), ("deflate_bomb", "deflate")]
)
def test_compressed_entries_are_refused_before_inflating(
    loaded: dict[str, dict[str, str | None]], stem: str, method: str
) -> None:
    result = loaded[stem]
    assert result["error"] == "ValueError", result
    assert f"{stem}.npz" in str(result["message"])
    assert f"entry 'weight' is compressed with {method}" in str(result["message"])
    assert "lucid.save writes stored (uncompressed) entries only" in str(result["message"])


def test_numpy_savez_compressed_files_are_refused_too(loaded: dict[str, dict[str, str | None]]) -> None:
    result = loaded["savez_compressed"]
    assert result["error"] == "ValueError"
    assert "is compressed with deflate" in str(result["message"]) and "numpy.load" in str(result["message"])


def test_a_declared_terabyte_is_refused_with_both_sizes(loaded: dict[str, dict[str, str | None]]) -> None:
    result = loaded["tera"]
    assert result["error"] == "ValueError", result  # not MemoryError("Unable to allocate 3.64 TiB")
    assert (
        "entry 'weight' declares shape (1000000, 1000000) of float32, 4000000000000 bytes, but holds 64 bytes"
        in str(result["message"])
    )


@pytest.mark.parametrize(("stem", "held"), [("short", 400), ("long", 400)])
def test_declared_size_must_match_the_data(loaded: dict[str, dict[str, str | None]], stem: str, held: int) -> None:
    assert loaded[stem]["error"] == "ValueError"
    assert f"but holds {held} bytes" in str(loaded[stem]["message"])


def test_a_negative_shape_is_refused(loaded: dict[str, dict[str, str | None]]) -> None:
    assert loaded["negative"]["error"] == "ValueError"
    assert "negative shape (-4,)" in str(loaded["negative"]["message"])


@pytest.mark.parametrize("kind", sorted(REFUSED_DTYPES))
def test_dtypes_a_tensor_cannot_hold_are_refused(loaded: dict[str, dict[str, str | None]], kind: str) -> None:
    result = loaded[f"dtype_{kind}"]
    assert result["error"] == "ValueError", result
    dtype = REFUSED_DTYPES[kind].dtype
    assert f"entry 'weight' has dtype {dtype}, which a lucid Tensor cannot hold" in str(result["message"])
    with pytest.raises(TypeError):
        lucid.Tensor(REFUSED_DTYPES[kind])  # the reason: lucid itself refuses such tensors


def test_a_name_appearing_twice_is_refused(loaded: dict[str, dict[str, str | None]]) -> None:
    assert loaded["twice"]["error"] == "ValueError"
    assert "entry 'w' appears twice" in str(loaded["twice"]["message"])


def test_every_supported_dtype_and_layout_round_trips(tmp_path: Path) -> None:
    arrays = {
        "f16": np.arange(6, dtype=np.float16).reshape(2, 3),
        "f64": np.linspace(0, 1, 5),
        "i8": np.array([-3, 4], dtype=np.int8),
        "u16": np.array([7], dtype=np.uint16),
        "bool": np.array([[True], [False]]),
        "scalar": np.array(1.5, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "big_endian": np.arange(3, dtype=">f4"),
    }
    lucid.save(arrays, tmp_path / "w.npz")
    loaded = lucid.load(tmp_path / "w.npz")
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype, name
        np.testing.assert_array_equal(loaded[name].numpy(), array, err_msg=name)
    loaded["fortran"].numpy()[0, 0] = 5  # writable, like any tensor


def test_damaged_files_only_ever_raise_value_error(tmp_path: Path) -> None:
    valid = tmp_path / "w.npz"
    lucid.save({"w": lucid.randn(8, 8), "b": lucid.zeros(8, dtype=lucid.int64)}, valid)
    data = valid.read_bytes()
    rng = np.random.default_rng(17)
    damaged = tmp_path / "damaged.npz"
    for _ in range(400):
        mutated = bytearray(data)
        for at in rng.integers(0, len(data), size=rng.integers(1, 4)):
            mutated[at] = int(rng.integers(0, 256))
        damaged.write_bytes(bytes(mutated))
        try:
            lucid.load(damaged)
        except ValueError as exc:
            assert "damaged.npz" in str(exc)


def test_save_refuses_complex_arrays_it_could_not_load(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'z' has dtype complex128; only bool, integer and float"):
        lucid.save({"z": np.ones(2, dtype=complex)}, tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []


# ---- lucid.save failing safely ------------------------------------------------------------------


def test_saving_keeps_the_mode_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"a": lucid.ones(2)}, path)
    path.chmod(0o600)
    lucid.save({"b": lucid.ones(2)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(lucid.load(path)) == ["b"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    lucid.save({"a": lucid.ones(2)}, tmp_path / "w.npz")
    assert stat.S_IMODE((tmp_path / "w.npz").stat().st_mode) == 0o666 & ~umask


def test_saving_onto_a_symlink_writes_through_to_its_target(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "epoch3.npz"
    lucid.save({"old": lucid.ones(1)}, real)
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    lucid.save({"new": lucid.zeros(2)}, link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert list(lucid.load(real)) == ["new"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["epoch3.npz"]


def test_saving_onto_a_directory_names_the_given_path(tmp_path: Path) -> None:
    target = tmp_path / "checkpoints"
    target.mkdir()
    with pytest.raises(IsADirectoryError, match=r"cannot write '.*checkpoints': it is a directory") as caught:
        lucid.save({"a": lucid.ones(1)}, target)
    assert ".tmp" not in str(caught.value)
    assert list(target.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_save_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"old": lucid.ones(3)}, path)
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def write_then_fail(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 3:  # after the marker and the first tensor
            raise failure("interrupted")
        real_write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(failure):
        lucid.save({"a": lucid.ones(4), "b": lucid.ones(4)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]
    assert path.read_bytes() == before


def test_an_os_error_while_writing_names_the_given_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.npz"
    lucid.save({"old": lucid.ones(3)}, path)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match=r"lucid.save: cannot write '.*w\.npz': No space left on device") as caught:
        lucid.save({"new": lucid.ones(3)}, path)
    assert ".tmp" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]
    assert path.read_bytes() == before
