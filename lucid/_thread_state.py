"""What lucid keeps per thread: grad mode, shape-only (meta) mode, the op observer and tracker, the module-call
wrapper, the open structure journal and a forked random generator.

Each is read through the same public functions as before (`is_grad_enabled`, `set_op_tracker`, ...), and each
thread starts from the defaults below, as PyTorch keeps grad mode per thread: a `no_grad` block, a trace or a
`lucid.meta()` block in one thread changes nothing another thread sees, and nothing one thread installs outlives
the thread.
"""

from __future__ import annotations

import threading
from typing import Any


class _ThreadState(threading.local):
    # Class attributes are each new thread's starting values; a thread's own assignments shadow them.
    grad_enabled: bool = True
    meta_depth: int = 0  # how many `lucid.meta()` blocks are open
    op_observer: Any = None
    observed_ops: frozenset[str] | None = None
    op_tracker: Any = None
    tracked_ops: frozenset[str] | None = None
    call_wrapper: Any = None
    journal: dict[int, tuple[Any, Any]] | None = None
    generator: Any = None  # a generator of this thread's own inside lucid.random.fork_rng(); else the shared one


state = _ThreadState()
