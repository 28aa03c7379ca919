"""Benchmarks measure what a user's machine runs. Some machines here set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE,
which slow a current NumPy and which a user's machine does not have: importing this module (before NumPy loads)
runs the script again without them, and `settings()` says what they were, for the report's header.
"""

from __future__ import annotations

import os
import sys

NAMES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_REMOVED = "LUCID_BENCH_REMOVED_ENV"  # what the first run found, handed to the re-run


def clean_environment() -> dict[str, str]:
    """os.environ without NAMES, recording what was removed (for child processes and the re-run)."""
    found = [f"{name}={os.environ[name]}" for name in NAMES if name in os.environ]
    env = {key: value for key, value in os.environ.items() if key not in NAMES}
    if found:
        env[_REMOVED] = " ".join(found)
    return env


def settings() -> str:
    removed = os.environ.get(_REMOVED)
    if removed:
        return f"{' and '.join(NAMES)} unset for these runs (the machine had {removed})"
    return f"{' and '.join(NAMES)} not set"


def _rerun_without() -> None:
    if not any(name in os.environ for name in NAMES):
        return
    if "numpy" in sys.modules or not sys.argv or sys.argv[0] in ("", "-c"):
        raise RuntimeError(
            f"bench: {' / '.join(NAMES)} must be unset before NumPy loads; run the benchmark as a script "
            "(python bench/NAME.py) or through bench/run_all.py"
        )
    os.execve(sys.executable, [sys.executable, *sys.argv], clean_environment())


_rerun_without()
