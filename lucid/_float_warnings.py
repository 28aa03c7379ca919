"""IEEE results without NumPy's floating-point warnings inside lucid, as PyTorch gives them.

`lucid.log(lucid.zeros(1))` is -inf and `1 / lucid.zeros(1)` is inf in PyTorch, silently; NumPy computes the same
values but warns ("divide by zero encountered in log"). A filter on those messages, raised from lucid's own
modules, keeps lucid as quiet as PyTorch at no cost per op (an `np.errstate` block would cost about 1 us per call).
The user's own NumPy code still warns: the filter matches only warnings attributed to lucid's modules.
"""

from __future__ import annotations

import warnings

_NUMPY_FLOAT_MESSAGES = r"(divide by zero|invalid value|overflow|underflow) encountered"


def install() -> None:
    warnings.filterwarnings("ignore", message=_NUMPY_FLOAT_MESSAGES, category=RuntimeWarning, module=r"lucid(\.|$)")
