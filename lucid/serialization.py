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

import contextlib
import errno
import math
import os
import secrets
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from lucid.tensor import Tensor

__all__ = ["load", "save"]

MARKER = "__lucid_weights__"
FORMAT_VERSION = 1
_MARKER_VALUE = np.array(["lucid-weights", str(FORMAT_VERSION)])  # a fixed-width string array: no pickle needed
_TENSOR_KINDS = "biuf"  # bool, signed/unsigned int, float: what the Tensor constructor accepts
_ZIP_MAGIC = b"PK\x03\x04"
# General-purpose flag bits zipfile cannot read plainly: encrypted, compressed patch data, strong encryption.
_ZIP_UNREADABLE_FLAGS = {0x1: "encrypted", 0x20: "compressed patch data", 0x40: "strongly encrypted"}
_COMPRESSION_NAMES = {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
_READ_CHUNK = 1 << 20  # array data is copied in 1 MiB pieces, so reading never holds a second full copy

PathLike = str | os.PathLike


def save(state_dict: Mapping[str, Any], path: PathLike) -> None:
    """Write a mapping of name -> Tensor (or NumPy array) to `path`, keeping order and dtypes.

    The file is written to a temporary name beside `path` and moved into place, so an interrupted or failed
    save never leaves a half-written file under `path` (an existing file stays as it was). A symlink is
    written through to its target, and an existing file keeps its permission bits.

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
    # Replacing a symlink would silently detach it from its target; write where it points, as open() would.
    final = Path(os.path.realpath(target))
    if final.is_dir():
        raise IsADirectoryError(
            errno.EISDIR,
            f"lucid.save: cannot write {str(target)!r}: it is a directory; pass a file path such as "
            f"{str(target / 'model.npz')!r}",
        )
    if not final.parent.is_dir():
        raise ValueError(f"lucid.save: cannot write {str(target)!r}: directory {str(target.parent)!r} does not exist")
    keep_mode = _existing_mode(final)
    # A fresh name opened with "x" (not tempfile.mkstemp, whose 0600 mode would stick to a new file).
    tmp_name = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        try:
            with open(tmp_name, "xb") as handle:
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
                    # Written entry by entry (as numpy.savez does) rather than through savez(**arrays), whose own
                    # keyword arguments would collide with tensors named "file" or "allow_pickle".
                    _write_entry(archive, MARKER, _MARKER_VALUE)
                    for name, array in arrays.items():
                        _write_entry(archive, name, array)
                if keep_mode is not None:
                    os.fchmod(handle.fileno(), keep_mode)
                handle.flush()
                os.fsync(handle.fileno())  # on disk before the rename, so a crash cannot leave an empty file
            os.replace(tmp_name, final)
        except OSError as exc:
            # The temporary name means nothing to the caller: report the path they gave.
            # OSError(errno, message) picks the matching subclass (PermissionError, IsADirectoryError, ...).
            message = f"lucid.save: cannot write {str(target)!r}: {exc.strerror or exc}"
            raise (OSError(exc.errno, message) if exc.errno is not None else OSError(message)) from exc
    except BaseException:  # also KeyboardInterrupt: never leave the temporary file behind
        with contextlib.suppress(OSError):
            tmp_name.unlink(missing_ok=True)
        raise


def load(path: PathLike) -> dict[str, Tensor]:
    """Read a file written by `lucid.save`: a dict of name -> Tensor, in the order it was saved.

    Files from untrusted sources are safe to open: nothing is unpickled, compressed entries are refused
    (lucid.save writes stored entries only, and a few compressed bytes can expand to gigabytes), and every
    entry's declared shape and dtype are checked against the bytes it really holds before any memory is
    allocated, so no file makes lucid allocate more than the file's own size.

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
        if handle.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            raise ValueError(
                f"{where}: not a lucid weight file (not an .npz archive); lucid only reads files written by "
                "lucid.save. Convert other checkpoints by loading them with their own library and calling lucid.save"
            )
        file_size = os.fstat(handle.fileno()).st_size
        handle.seek(0)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise ValueError(
                f"{where}: the file is damaged or truncated ({exc}); save it again with lucid.save"
            ) from exc
        with archive:
            entries = _list_entries(archive, where)
            if MARKER not in entries:
                raise ValueError(
                    f"{where}: an .npz archive without lucid's marker entry {MARKER!r}, so not written by "
                    "lucid.save; if you trust it, read it with numpy.load and re-save the arrays with lucid.save"
                )
            _check_stored_within(entries, file_size, where)
            _check_marker(_read_entry(archive, entries[MARKER], MARKER, where, allowed_kinds="U"), where)
            return {
                name: Tensor._wrap(_read_entry(archive, info, name, where, allowed_kinds=_TENSOR_KINDS))
                for name, info in entries.items()
                if name != MARKER
            }


# ---- saving -------------------------------------------------------------------------------------


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
    if array.dtype.kind not in _TENSOR_KINDS:
        # Only what lucid.load hands back as a Tensor: a complex or string array would make an unloadable file.
        raise TypeError(
            f"lucid.save: {name!r} has dtype {array.dtype}; only bool, integer and float arrays can be saved"
        )
    return array


def _existing_mode(final: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(final).st_mode)
    except FileNotFoundError:
        return None


def _write_entry(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(name + ".npy", "w", force_zip64=True) as entry:
        np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


# ---- loading ------------------------------------------------------------------------------------


def _list_entries(archive: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    """name -> entry, in archive order; only `.npy` entries, each name once."""
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ValueError(
                f"{where}: entry {info.filename!r} is not a .npy array; lucid weight files hold .npy entries only"
            )
        name = info.filename[: -len(".npy")]
        if name in entries:
            raise ValueError(f"{where}: entry {name!r} appears twice, so the file is damaged; save it again")
        entries[name] = info
    return entries


def _check_stored_within(entries: dict[str, zipfile.ZipInfo], file_size: int, where: str) -> None:
    """Refuse compressed or encrypted entries, and entries claiming more bytes than the file holds.

    With stored entries only and their sizes summing to at most the file's size, nothing read later can
    exceed the file itself (entries pointing at the same bytes, as in overlap bombs, would sum past it).
    """
    total = 0
    for name, info in entries.items():
        if info.compress_type != zipfile.ZIP_STORED:
            method = _COMPRESSION_NAMES.get(info.compress_type, "an unknown method")
            raise ValueError(
                f"{where}: entry {name!r} is compressed with {method} (zip method {info.compress_type}); lucid.save "
                "writes stored (uncompressed) entries only, and compressed ones are refused because a few bytes "
                "can expand to gigabytes. If you trust the file, read it with numpy.load and re-save it with lucid.save"
            )
        for flag, what in _ZIP_UNREADABLE_FLAGS.items():
            if info.flag_bits & flag:
                raise ValueError(
                    f"{where}: entry {name!r} is {what}; lucid.save never writes such entries, so it is refused"
                )
        if info.file_size != info.compress_size:
            raise ValueError(
                f"{where}: entry {name!r} is stored but lists {info.compress_size} bytes on disk and "
                f"{info.file_size} bytes of content; the file is damaged; save it again"
            )
        total += info.file_size
    if total > file_size:
        raise ValueError(
            f"{where}: the entries claim {total} bytes but the file is only {file_size} bytes; it is damaged "
            "or crafted; save it again with lucid.save"
        )


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, where: str, allowed_kinds: str
) -> np.ndarray:
    try:
        with archive.open(info) as stream:
            shape, fortran_order, dtype = _read_header(stream, name, where)
            _check_dtype(dtype, name, where, allowed_kinds)
            declared = math.prod(shape) * dtype.itemsize
            held = info.file_size - stream.tell()
            if declared != held:
                raise ValueError(
                    f"{where}: entry {name!r} declares shape {shape} of {dtype}, {declared} bytes, but holds "
                    f"{held} bytes of data; the file is damaged or crafted; save it again with lucid.save"
                )
            return _read_data(stream, shape, fortran_order, dtype, declared)
    # NotImplementedError / RuntimeError: zipfile's answer to zip features it cannot read, seen only in damaged files.
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise ValueError(f"{where}: entry {name!r} is damaged or truncated ({exc}); save the file again") from exc


def _read_header(stream: IO[bytes], name: str, where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        else:  # 3.0 only exists for non-latin-1 field names of structured dtypes, which lucid never writes
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where}: entry {name!r} is damaged ({exc}); save the file again") from exc
    if any(size < 0 for size in shape):
        raise ValueError(f"{where}: entry {name!r} declares a negative shape {shape}; the file is damaged")
    return shape, fortran_order, dtype


def _check_dtype(dtype: np.dtype, name: str, where: str, allowed_kinds: str) -> None:
    if dtype.hasobject:
        raise ValueError(
            f"{where}: entry {name!r} holds Python objects, which could run code when unpickled, so it is "
            "refused; lucid weight files hold numeric arrays only"
        )
    if dtype.kind not in allowed_kinds:
        raise ValueError(
            f"{where}: entry {name!r} has dtype {dtype}, which a lucid Tensor cannot hold (bool, integer and float "
            "only), so it is refused; lucid.save never writes such entries"
        )


def _read_data(
    stream: IO[bytes], shape: tuple[int, ...], fortran_order: bool, dtype: np.dtype, nbytes: int
) -> np.ndarray:
    flat = np.empty(math.prod(shape), dtype=dtype)
    raw = flat.view(np.uint8)
    filled = 0
    while filled < nbytes:
        chunk = stream.read(min(_READ_CHUNK, nbytes - filled))
        if not chunk:
            raise EOFError(f"the data ends after {filled} of {nbytes} bytes")
        raw[filled : filled + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        filled += len(chunk)
    return flat.reshape(shape[::-1]).transpose() if fortran_order else flat.reshape(shape)


def _check_marker(marker: np.ndarray, where: str) -> None:
    if marker.dtype.kind != "U" or marker.shape != (2,) or marker[0] != "lucid-weights":
        raise ValueError(f"{where}: the marker entry {MARKER!r} is not lucid's; the file was not written by lucid.save")
    version = marker[1]
    if version != str(FORMAT_VERSION):
        raise ValueError(
            f"{where}: written in lucid weight format version {version}, this lucid reads version "
            f"{FORMAT_VERSION}; upgrade lucid"
        )
