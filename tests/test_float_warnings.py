"""lucid gives IEEE infinities and NaNs without NumPy's warnings, as PyTorch does; the user's NumPy still warns.

Checked in a fresh interpreter, as a user's script runs: pytest wraps collection (where the suite first imports
lucid) in its own warning filters and restores them afterwards, so the filter lucid installs at import would not be
in effect inside a test. `-W error::RuntimeWarning` turns any warning that gets through into an exception.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import numpy as np
import lucid
from lucid import nn

results = [
    lucid.log(lucid.zeros(2)),
    1 / lucid.zeros(2),
    lucid.zeros(2) ** -1.0,
    lucid.sqrt(-lucid.ones(2)),
    lucid.exp(lucid.full((2,), 1000.0)),
    lucid.logsumexp(lucid.full((3,), -np.inf), dim=0),
    nn.functional.softmax(lucid.full((2, 3), -np.inf), dim=-1),
]
assert all(not np.isfinite(r.numpy()).all() for r in results)  # the IEEE values are there
try:
    np.log(np.zeros(1))
except RuntimeWarning as warning:
    print("user warned:", warning)
"""


def test_lucid_is_quiet_where_numpy_would_warn_and_the_users_numpy_still_warns() -> None:
    run = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "user warned: divide by zero encountered in log"
