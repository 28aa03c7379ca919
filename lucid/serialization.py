"""`lucid.save` / `lucid.load`: weight files that cannot run code when opened.

A weight file is an ordinary NumPy `.npz` archive (one `.npy` entry per tensor, in state-dict order) plus a
marker entry that identifies it as lucid's. It is read with `allow_pickle=False`, so opening a file from an
untrusted source can fail but cannot execute anything (unlike pickle-based checkpoints).

>>> import tempfile
>>> from pathlib import Path
>>> model = nn.Linear(4, 2)
>>> with tempfile.TemporaryDirectory() as folder:
...     lucid.save(model.state_dict(), Path(folder) / "model.npz")
...     model.load_state_dict(lucid.load(Path(folder) / "model.npz"))
IncompatibleKeys(missing_keys=[], unexpected_keys=[])
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lucid.tensor import Tensor

__all__ = ["load", "save"]

MARKER = "__lucid_weights__"
FORMAT_VERSION = 1
_MARKER_VALUE = np.array(["lucid-weights", str(FORMAT_VERSION)])  # a fixed-width string array: no pickle needed
_NUMERIC_KINDS = "biufc"  # bool, signed/unsigned int, float, complex
_ZIP_MAGIC = b"PK\x03\x04"

PathLike = str | os.PathLike


def save(state_dict: Mapping[str, Any], path: PathLike) -> None:
    """Write a mapping of name -> Tensor (or NumPy array) to `path`, keeping order and dtypes.

    The file is written to a temporary name beside `path` and moved into place, so an interrupted save
    never leaves a half-written file under `path`.

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     lucid.save({"weight": lucid.ones(2, 3)}, Path(folder) / "w.npz")
    ...     lucid.load(Path(folder) / "w.npz")["weight"].shape
    (2, 3)
    """
    target = Path(os.fspath(path))
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"lucid.save: expected a mapping of name -> Tensor (e.g. model.state_dict()), "
                        f"got {type(state_dict).__name__}")  # fmt: skip
    arrays = {name: _as_array(name, value) for name, value in state_dict.items()}
    if not target.parent.is_dir():
        raise ValueError(f"lucid.save: cannot write {str(target)!r}: directory {str(target.parent)!r} does not exist")
    # A fresh name opened with "x" (not tempfile.mkstemp, whose 0600 mode would stick to the final file).
    tmp_name = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp_name, "xb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
            # Written entry by entry (as numpy.savez does) rather than through savez(**arrays), whose own
            # keyword arguments would collide with tensors named "file" or "allow_pickle".
            _write_entry(archive, MARKER, _MARKER_VALUE)
            for name, array in arrays.items():
                _write_entry(archive, name, array)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load(path: PathLike) -> dict[str, Tensor]:
    """Read a file written by `lucid.save`: a dict of name -> Tensor, in the order it was saved.

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     lucid.save({"weight": lucid.ones(2, 3), "bias": lucid.zeros(2)}, Path(folder) / "w.npz")
    ...     weights = lucid.load(Path(folder) / "w.npz")
    >>> list(weights)
    ['weight', 'bias']
    """
    source = Path(os.fspath(path))
    where = f"lucid.load({str(source)!r})"
    if not source.exists():
        raise ValueError(f"{where}: no such file; check the path (weights are written by lucid.save)")
    if not source.is_file():
        raise ValueError(f"{where}: not a regular file; pass the path of a weight file written by lucid.save")
    with source.open("rb") as handle:
        head = handle.read(len(_ZIP_MAGIC))
    if head != _ZIP_MAGIC:
        raise ValueError(
            f"{where}: not a lucid weight file (not an .npz archive); lucid only reads files written by "
            "lucid.save. Convert other checkpoints by loading them with their own library and calling lucid.save"
        )
    try:
        archive = np.load(source, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"{where}: the file is damaged or truncated ({exc}); save it again with lucid.save") from exc
    with archive:
        names = list(archive.files)
        if MARKER not in names:
            raise ValueError(
                f"{where}: an .npz archive without lucid's marker entry {MARKER!r}, so not written by lucid.save; "
                "if you trust it, read it with numpy.load and re-save the arrays with lucid.save"
            )
        _check_marker(_read_entry(archive, MARKER, where), where)
        return {name: Tensor._wrap(_read_entry(archive, name, where)) for name in names if name != MARKER}


# ---- helpers ------------------------------------------------------------------------------------


def _as_array(name: Any, value: Any) -> np.ndarray:
    if not isinstance(name, str) or not name:
        raise TypeError(f"lucid.save: keys must be non-empty strings, got {name!r}")
    if name == MARKER:
        raise ValueError(f"lucid.save: the key {MARKER!r} is reserved for lucid's own marker entry; rename it")
    if isinstance(value, Tensor):
        array = value.numpy()
    elif isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
    else:
        raise TypeError(
            f"lucid.save: {name!r} is a {type(value).__name__}; values must be lucid Tensors or NumPy arrays"
        )
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"lucid.save: {name!r} has dtype {array.dtype}; only numeric arrays can be saved (no object arrays)"
        )
    return array


def _write_entry(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(name + ".npy", "w", force_zip64=True) as entry:
        np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


def _read_entry(archive: Any, name: str, where: str) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(
                f"{where}: entry {name!r} holds Python objects, which could run code when unpickled, so it is "
                "refused; lucid weight files hold numeric arrays only"
            ) from exc
        raise ValueError(f"{where}: entry {name!r} is damaged ({exc}); save the file again") from exc
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"{where}: entry {name!r} is damaged or truncated ({exc}); save the file again") from exc


def _check_marker(marker: np.ndarray, where: str) -> None:
    if marker.dtype.kind != "U" or marker.shape != (2,) or marker[0] != "lucid-weights":
        raise ValueError(f"{where}: the marker entry {MARKER!r} is not lucid's; the file was not written by lucid.save")
    version = marker[1]
    if version != str(FORMAT_VERSION):
        raise ValueError(
            f"{where}: written in lucid weight format version {version}, this lucid reads version "
            f"{FORMAT_VERSION}; upgrade lucid"
        )
