"""The one PyTorch parity harness: a lucid layer or function against its PyTorch twin on the same weights and inputs.

Case tables live beside the family they test (`tests/nn/test_parity_<family>.py`, `tests/test_torch_parity_*.py`),
each a list named `LAYER_CASES` (LayerCase) or `OP_CASES` (OpCase); `tests/test_parity_coverage.py` collects them
all and fails when a layer class or a registered op has no case.

Inputs are described once and built for both libraries:
- a tuple of ints: a float32 standard-normal array of that shape, requiring grad;
- a float NumPy array: those values, requiring grad; any other NumPy array (indices, boolean masks): a constant;
- `Const(array)`: a constant of any dtype (a float target, an additive mask);
- a list of specs: passed as one tuple argument (an LSTM's `(h0, c0)`).

A layer's forward may return a tensor or (nested) tuples of tensors and None; every floating output is compared
(forward within 1e-5, input and parameter gradients within 1e-4, relative to max(1, |largest value|)), and the
backward pass runs from the same random weights on every floating output in both libraries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import lucid

torch = pytest.importorskip("torch")

FORWARD_TOL = 1e-5
GRAD_TOL = 1e-4


@dataclass(frozen=True)
class Const:
    """An input passed as given to both libraries, never differentiated."""

    array: np.ndarray


InputSpec = Any  # tuple[int, ...] | np.ndarray | Const | list[InputSpec]


@dataclass
class LayerCase:
    """`ours()` and `theirs()` build the two layers with the same constructor arguments."""

    label: str
    ours: Callable[[], lucid.nn.Module]
    theirs: Callable[[], Any]
    inputs: Sequence[InputSpec]
    kwargs: dict[str, InputSpec] = field(default_factory=dict)  # forward keyword arguments, built like inputs
    modes: tuple[str, ...] = ("train", "eval")
    steps: int = 2  # forward/backward rounds, so that buffers updated in training are compared after an update
    forward_tol: float = FORWARD_TOL
    grad_tol: float = GRAD_TOL


@dataclass
class OpCase:
    """A function of tensors (`ours`, `theirs`), named by the lucid Function class it mainly exercises."""

    op: str
    label: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    inputs: Sequence[InputSpec]
    forward_tol: float = FORWARD_TOL
    grad_tol: float = GRAD_TOL


# ---- building inputs -------------------------------------------------------------------------------------------


def concrete(spec: InputSpec, rng: np.random.Generator) -> InputSpec:
    """Draw the random arrays a spec asks for, once, so that both libraries see the same values."""
    if isinstance(spec, list):
        return [concrete(s, rng) for s in spec]
    if isinstance(spec, tuple):
        return rng.standard_normal(spec).astype(np.float32)
    return spec


def build(spec: InputSpec, library: str) -> Any:
    """The input for `library` ("lucid" or "torch") from a concrete spec."""
    if isinstance(spec, list):
        return tuple(build(s, library) for s in spec)
    if isinstance(spec, Const):
        array, grad = spec.array, False
    elif isinstance(spec, np.ndarray):
        array, grad = spec, spec.dtype.kind == "f"
    else:
        return spec  # a plain Python value (an int, None, a string)
    if library == "lucid":
        return lucid.tensor(array.copy(), requires_grad=grad)
    return torch.tensor(array.copy(), requires_grad=grad)


def leaves(value: Any) -> list[Any]:
    """Every tensor in a (nested) tuple or list of tensors and None, in order."""
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in leaves(item)]
    return [] if value is None else [value]


# ---- comparing -------------------------------------------------------------------------------------------------


def close(actual: np.ndarray | None, expected: Any, what: str, tol: float) -> None:
    """`actual` (NumPy) against `expected` (a torch tensor) within `tol` relative to max(1, |largest|)."""
    expected_np = None if expected is None else expected.detach().numpy()
    if expected_np is None or actual is None:
        assert actual is None and expected_np is None, f"{what}: one library gives None, the other a value"
        return
    actual = np.asarray(actual)
    assert actual.shape == expected_np.shape, f"{what}: shape {actual.shape} vs torch {expected_np.shape}"
    if expected_np.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual, expected_np, err_msg=what)
        return
    assert actual.dtype == expected_np.dtype, f"{what}: dtype {actual.dtype} vs torch {expected_np.dtype}"
    if not expected_np.size:
        return
    finite = np.isfinite(expected_np)
    np.testing.assert_array_equal(np.isfinite(actual), finite, err_msg=f"{what}: non-finite values differ")
    scale = max(1.0, float(np.abs(expected_np[finite]).max(initial=0.0)))
    error = float(np.abs(actual[finite].astype(np.float64) - expected_np[finite]).max(initial=0.0))
    assert error <= tol * scale, f"{what}: max difference {error:.3g} from torch (allowed {tol * scale:.3g})"


def _backward_both(ours_out: list[Any], theirs_out: list[Any], rng: np.random.Generator) -> None:
    """Back-propagate sum(output * random weights) over every floating output that needs a gradient."""
    loss_ours, loss_theirs = None, None
    for o, t in zip(ours_out, theirs_out, strict=True):
        if not (t.requires_grad and t.is_floating_point()):
            continue
        w = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        term_ours = (o * lucid.tensor(w)).sum()
        term_theirs = (t * torch.from_numpy(w)).sum()
        loss_ours = term_ours if loss_ours is None else loss_ours + term_ours
        loss_theirs = term_theirs if loss_theirs is None else loss_theirs + term_theirs
    if loss_ours is not None:
        loss_ours.backward()
        loss_theirs.backward()


# ---- layers ----------------------------------------------------------------------------------------------------


def randomize(theirs: Any) -> None:
    """Non-trivial weights, biases and statistics, so that a swapped or ignored one shows."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in theirs.state_dict().items():
            if t.is_floating_point():
                if "var" in name:  # variances stay positive
                    t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
                else:
                    t.copy_(torch.randn(t.shape, generator=gen))


def copy_weights(ours: lucid.nn.Module, theirs: Any) -> None:
    """Load torch's state_dict (as NumPy) into ours, strictly: every name and shape must match."""
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}, strict=True)


def check_layer(case: LayerCase, mode: str) -> None:
    ours, theirs = case.ours(), case.theirs()
    randomize(theirs)
    copy_weights(ours, theirs)
    ours.train(mode == "train")
    theirs.train(mode == "train")
    rng = np.random.default_rng(1)
    our_params = dict(ours.named_parameters())
    for step in range(case.steps):
        specs = [concrete(s, rng) for s in case.inputs]
        kw_specs = {k: concrete(s, rng) for k, s in case.kwargs.items()}
        ours.zero_grad()
        theirs.zero_grad()
        ours_in = [build(s, "lucid") for s in specs]
        theirs_in = [build(s, "torch") for s in specs]
        ours_out = leaves(ours(*ours_in, **{k: build(s, "lucid") for k, s in kw_specs.items()}))
        theirs_out = leaves(theirs(*theirs_in, **{k: build(s, "torch") for k, s in kw_specs.items()}))
        assert len(ours_out) == len(theirs_out), f"step {step}: {len(ours_out)} outputs vs torch {len(theirs_out)}"
        for i, (o, t) in enumerate(zip(ours_out, theirs_out, strict=True)):
            close(o.numpy(), t, f"step {step} output {i}", case.forward_tol)
        _backward_both(ours_out, theirs_out, rng)
        for i, (o, t) in enumerate(zip(leaves(ours_in), leaves(theirs_in), strict=True)):
            if t.requires_grad:
                close(o.grad, t.grad, f"step {step} gradient of input {i}", case.grad_tol)
        for name, p in theirs.named_parameters():
            close(our_params[name].grad, p.grad, f"step {step} gradient of {name}", case.grad_tol)
    # Buffers (running statistics, counters) follow torch's updates too.
    our_buffers = dict(ours.named_buffers())
    for name, b in theirs.named_buffers():
        close(np.asarray(our_buffers[name].numpy(), dtype=np.float64), b.double(), f"buffer {name}", case.forward_tol)


# ---- functions -------------------------------------------------------------------------------------------------


def check_op(case: OpCase) -> None:
    specs = [concrete(s, np.random.default_rng(7)) for s in case.inputs]
    ours_in = [build(s, "lucid") for s in specs]
    theirs_in = [build(s, "torch") for s in specs]
    ours_out = leaves(case.ours(*ours_in))
    theirs_out = leaves(case.theirs(*theirs_in))
    assert len(ours_out) == len(theirs_out), f"{len(ours_out)} outputs vs torch {len(theirs_out)}"
    for i, (o, t) in enumerate(zip(ours_out, theirs_out, strict=True)):
        assert o.shape == tuple(t.shape), f"output {i}: shape {o.shape} vs torch {tuple(t.shape)}"
        close(o.numpy(), t, f"output {i}", case.forward_tol)
    _backward_both(ours_out, theirs_out, np.random.default_rng(8))
    for i, (o, t) in enumerate(zip(leaves(ours_in), leaves(theirs_in), strict=True)):
        if t.requires_grad:
            close(o.grad, t.grad, f"gradient of input {i}", case.grad_tol)


def layer_params(cases: Sequence[LayerCase]) -> list[Any]:
    """pytest parameters (case, mode) for a LAYER_CASES table, with readable ids."""
    return [pytest.param(case, mode, id=f"{case.label} [{mode}]") for case in cases for mode in case.modes]


def op_params(cases: Sequence[OpCase]) -> list[Any]:
    """pytest parameters for an OP_CASES table."""
    return [pytest.param(case, id=f"{case.op}: {case.label}") for case in cases]
