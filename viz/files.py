"""Writing files so that nothing the user had is lost: a failed write (full disk, no permission, Ctrl-C) leaves
the old file whole.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "chart.mmd"
>>> write_atomically(path, "flowchart LR\\n") == path, path.read_text()
(True, 'flowchart LR\\n')
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: str | Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8 with "\\n" line ends, or bytes) to `path` through a temporary file in the same
    folder, renamed over the target only once complete. A symlink is written through to its target, and an
    existing file keeps its permission bits."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # A name of our own (not mkstemp's 0600 file), so a new file gets the usual permissions from the umask.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Path(path)
