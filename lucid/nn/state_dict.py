"""What `Module.state_dict` and `Module.load_state_dict` do: name a module tree's state, and load it all-or-nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from lucid.autograd.grad_mode import no_grad
from lucid.shape_only import MetaTensorError
from lucid.tensor import Tensor

if TYPE_CHECKING:
    from lucid.nn.module import Module


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def named_state(root: Module) -> dict[str, Tensor]:
    """The live parameters and persistent buffers of every module, by qualified name, in PyTorch's order
    (each module's parameters, then its buffers, in pre-order; a shared module under each of its names)."""
    state: dict[str, Tensor] = {}
    for module_name, module in root.named_modules(remove_duplicate=False):
        head = f"{module_name}." if module_name else ""
        for name, param in module._parameters.items():
            if param is not None:
                state[head + name] = param
        for name, buffer in module._buffers.items():
            if buffer is not None and name not in module._non_persistent_buffers:
                state[head + name] = buffer
    return state


def load_state(root: Module, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
    """Copy `state_dict` into `root`'s state; one ValueError lists every problem and then nothing has changed."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"load_state_dict() needs a mapping of names to tensors, got {type(state_dict).__name__}")
    targets = named_state(root)
    meta = [key for key, target in targets.items() if target.is_meta]
    if meta:
        # A shape-only model has nowhere to put values; copying into it would silently load nothing.
        shown = ", ".join(meta[:5]) + (f" and {len(meta) - 5} more" if len(meta) > 5 else "")
        raise ValueError(
            f"cannot load state dict into {type(root).__name__}: {shown} are meta (shape-only) tensors with no "
            "storage; build the model outside lucid.meta() to load weights"
        )
    missing = [key for key in targets if key not in state_dict]
    unexpected = [key for key in state_dict if key not in targets]
    arrays: dict[str, np.ndarray] = {}
    mismatched: list[str] = []
    for key, target in targets.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        # Convert to the target dtype now, so that the copy loop below cannot fail halfway.
        try:
            array = np.asarray(value._data if isinstance(value, Tensor) else value, dtype=target.dtype)
        except (TypeError, ValueError, MetaTensorError) as error:
            mismatched.append(f"{key}: cannot convert {type(value).__name__} to {target.dtype} ({error})")
            continue
        if array.shape != target.shape:
            mismatched.append(f"{key}: checkpoint shape {array.shape}, model shape {target.shape}")
        else:
            arrays[key] = array
    problems = []
    if strict and missing:
        problems.append("missing keys: " + ", ".join(missing))
    if strict and unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    if mismatched:
        problems.append("shape mismatches: " + "; ".join(mismatched))
    if problems:
        raise ValueError(
            f"cannot load state dict into {type(root).__name__} (nothing was changed): " + " | ".join(problems)
        )
    with no_grad():
        for key, array in arrays.items():
            target = targets[key]
            target._data[...] = array
            target._version += 1
    return IncompatibleKeys(missing, unexpected)
