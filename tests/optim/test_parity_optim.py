"""The optimizer parity harness: every lucid optimizer (alone, and driven by lr schedules) against its torch.optim
twin, step for step, on the same small conv + MLP model, the same data and the same initial weights.

Each case trains both models for 20 steps on a real loss and compares every parameter and every group's lr (and
momentum / betas) after every step: within 1e-10 when both run in float64 (each library computing its own
gradients), and within 1e-5 in float32, where both optimizers are fed torch's gradients (relative to
max(1, |largest value|)). The same cases then check torch's state keys,
and that a state_dict saved mid-training and loaded into a fresh optimizer continues exactly like an
uninterrupted run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import nn, optim
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.optim import lr_scheduler

torch = pytest.importorskip("torch")

STEPS = 20
TOL = {"float64": 1e-10, "float32": 1e-5}


class OptimCase:
    """`name` is the class in lucid.optim and torch.optim; `head` overrides hyperparameters for a second group
    holding the last layer (None: one group); `schedule` is (class name, kwargs) of an lr schedule stepped
    after every optimizer step."""

    # A plain class rather than a dataclass: tests/test_parity_coverage.py loads this file without registering
    # it as a module, which dataclasses with postponed annotations cannot handle.
    def __init__(
        self,
        name: str,
        kwargs: dict[str, Any] | None = None,
        head: dict[str, Any] | None = None,
        schedule: tuple[str, dict[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.kwargs = kwargs or {}
        self.head = head
        self.schedule = schedule

    @property
    def label(self) -> str:
        parts = [self.name] + [f"{k}={v}" for k, v in self.kwargs.items()]
        if self.head is not None:
            parts.append(f"head{self.head}")
        if self.schedule is not None:
            parts.append(self.schedule[0])
        return "-".join(parts).replace(" ", "")


TWO_LRS = {"lr": 0.003}  # the last layer learns at its own rate

OPTIM_CASES = [
    OptimCase("SGD", {"lr": 0.05}),
    OptimCase("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    OptimCase("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, head=TWO_LRS),
    OptimCase("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    OptimCase("Adam", {"lr": 0.01}),
    OptimCase("Adam", {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}),
    OptimCase("Adam", {"lr": 0.01, "betas": (0.5, 0.9), "maximize": True}, head=TWO_LRS),
    OptimCase("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    OptimCase("AdamW", {"lr": 0.01}),
    OptimCase("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}, head={"lr": 0.02, "weight_decay": 0.0}),
    OptimCase("RMSprop", {"lr": 0.005}),
    OptimCase("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
    OptimCase("RMSprop", {"lr": 0.002, "alpha": 0.9, "weight_decay": 0.05, "maximize": True}, head=TWO_LRS),
    OptimCase("RMSprop", {"lr": 0.005, "centered": True, "eps": 1e-4}),
    OptimCase("Adagrad", {"lr": 0.05}),
    OptimCase("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.02, "initial_accumulator_value": 0.1}),
    OptimCase("Adagrad", {"lr": 0.05, "eps": 1e-6, "maximize": True}, head=TWO_LRS),
    OptimCase("Adadelta", {}),
    OptimCase("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.05}),
    OptimCase("Adadelta", {"eps": 1e-4, "maximize": True}, head={"lr": 2.0}),
    OptimCase("Adamax", {"lr": 0.01}),
    OptimCase("Adamax", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05}),
    OptimCase("Adamax", {"lr": 0.01, "maximize": True}, head=TWO_LRS),
    OptimCase("NAdam", {"lr": 0.01}),
    OptimCase("NAdam", {"lr": 0.01, "weight_decay": 0.05, "momentum_decay": 0.01}),
    OptimCase("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, head=TWO_LRS),
    OptimCase("NAdam", {"lr": 0.01, "maximize": True}),
    OptimCase("RAdam", {"lr": 0.01}),
    # beta2 = 0.9 switches the rectified (adaptive) update on after a few steps, inside the 20 compared.
    OptimCase("RAdam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.05}),
    OptimCase("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    OptimCase("RAdam", {"lr": 0.01, "betas": (0.9, 0.95), "maximize": True}, head=TWO_LRS),
    OptimCase("ASGD", {"lr": 0.05}),
    # t0 inside the run: the averaging of `ax` starts at step 5.
    OptimCase("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.01}),
    OptimCase("ASGD", {"lr": 0.05, "t0": 3, "maximize": True}, head=TWO_LRS),
    OptimCase("Rprop", {"lr": 0.01}),
    OptimCase("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.05)}),
    OptimCase("Rprop", {"lr": 0.01, "maximize": True}, head=TWO_LRS),
    # Optimizers driven by schedules, momentum cycling included.
    OptimCase("SGD", {"lr": 0.05, "momentum": 0.9}, schedule=("StepLR", {"step_size": 4, "gamma": 0.5})),
    OptimCase("SGD", {"lr": 0.05, "momentum": 0.9}, head=TWO_LRS,
              schedule=("OneCycleLR", {"max_lr": [0.1, 0.01], "total_steps": STEPS, "three_phase": True})),
    OptimCase("Adam", {"lr": 0.01}, schedule=("OneCycleLR", {"max_lr": 0.02, "total_steps": STEPS})),
    OptimCase("AdamW", {"lr": 0.01}, head=TWO_LRS,
              schedule=("CyclicLR", {"base_lr": 0.001, "max_lr": 0.02, "step_size_up": 3, "mode": "triangular2"})),
    OptimCase("RMSprop", {"lr": 0.005, "momentum": 0.5},
              schedule=("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4, "mode": "exp_range",
                                     "gamma": 0.9})),
    OptimCase("NAdam", {"lr": 0.01}, schedule=("CosineAnnealingWarmRestarts", {"T_0": 6, "T_mult": 2})),
    OptimCase("Adagrad", {"lr": 0.05}, schedule=("LinearLR", {"start_factor": 0.2, "total_iters": 8})),
    OptimCase("RAdam", {"lr": 0.01}, schedule=("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001})),
]  # fmt: skip


# ---- the two models, the data and the training loop ----------------------------------------------------------


@contextlib.contextmanager
def torch_default_dtype(dtype: str) -> Iterator[None]:
    """torch keeps some optimizer scalars (NAdam's mu_product, ASGD's eta and mu) in the default dtype."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


def _initial_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = {"0.weight": (3, 2, 3, 3), "0.bias": (3,), "3.weight": (8, 75), "3.bias": (8,),
              "5.weight": (3, 8), "5.bias": (3,)}  # fmt: skip
    return {name: rng.standard_normal(shape) * 0.4 for name, shape in shapes.items()}


def _data(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.standard_normal((6, 2, 5, 5)).astype(dtype), rng.standard_normal((6, 3)).astype(dtype)


def _lucid_model(dtype: str) -> nn.Module:
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(75, 8), nn.Tanh(),
                          nn.Linear(8, 3)).to(dtype)  # fmt: skip
    model.load_state_dict({k: lucid.tensor(v.astype(dtype)) for k, v in _initial_weights().items()})
    return model


def _torch_model(dtype: str) -> Any:
    tnn = torch.nn
    model = tnn.Sequential(tnn.Conv2d(2, 3, 3, padding=1), tnn.Tanh(), tnn.Flatten(), tnn.Linear(75, 8), tnn.Tanh(),
                           tnn.Linear(8, 3)).to(getattr(torch, dtype))  # fmt: skip
    model.load_state_dict({k: torch.tensor(v.astype(dtype)) for k, v in _initial_weights().items()})
    return model


def _param_groups(model: Any, case: OptimCase) -> list[Any]:
    params = list(model.parameters())
    if case.head is None:
        return params
    return [{"params": params[:4]}, {"params": params[4:], **case.head}]


class Run:
    """One library's side of a case: the model, its optimizer and schedule, and one training step at a time."""

    def __init__(self, lib: str, case: OptimCase, dtype: str, lr_offset: float = 0.0) -> None:
        self.lib, self.case, self.dtype = lib, case, dtype
        self.model = _lucid_model(dtype) if lib == "lucid" else _torch_model(dtype)
        kwargs = dict(case.kwargs)
        if lr_offset:
            kwargs["lr"] = kwargs.get("lr", 1.0) + lr_offset
        module = optim if lib == "lucid" else torch.optim
        self.opt = getattr(module, case.name)(_param_groups(self.model, case), **kwargs)
        self.sched = None
        if case.schedule is not None:
            sched_module = lr_scheduler if lib == "lucid" else torch.optim.lr_scheduler
            name, sched_kwargs = case.schedule
            self.sched = getattr(sched_module, name)(self.opt, **sched_kwargs)
        x, y = _data(dtype)
        self.x, self.y = (lucid.tensor(x), lucid.tensor(y)) if lib == "lucid" else (torch.tensor(x), torch.tensor(y))
        # A maximizing optimizer climbs -loss, so both directions train the model.
        self.sign = -1.0 if case.kwargs.get("maximize") else 1.0

    def backward(self) -> None:
        self.opt.zero_grad()
        if self.lib == "lucid":
            loss = F.mse_loss(self.model(self.x), self.y) * self.sign
        else:
            loss = torch.nn.functional.mse_loss(self.model(self.x), self.y) * self.sign
        loss.backward()

    def update(self) -> None:
        self.opt.step()
        if self.sched is not None:
            self.sched.step()

    def step(self) -> None:
        self.backward()
        self.update()

    def grads(self) -> list[np.ndarray]:
        return [p.grad.detach().numpy().copy() for p in self.model.parameters()]

    def set_grads(self, grads: list[np.ndarray]) -> None:
        for p, g in zip(self.model.parameters(), grads, strict=True):
            p.grad = g.copy()

    def params(self) -> list[np.ndarray]:
        if self.lib == "lucid":
            return [p.numpy().copy() for p in self.model.parameters()]
        return [p.detach().numpy().copy() for p in self.model.parameters()]

    def hyper(self) -> list[float]:
        """Each group's lr, and its momentum / beta1 when it has one (the cyclic schedules move them)."""
        values = []
        for group in self.opt.param_groups:
            values.append(float(group["lr"]))
            if "momentum" in group:
                values.append(float(group["momentum"]))
            if "betas" in group:
                values.append(float(group["betas"][0]))
        return values


def _close(ours: list[np.ndarray], theirs: list[np.ndarray], tol: float, what: str) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a.dtype == b.dtype, f"{what}: parameter {i} dtype {a.dtype} vs torch {b.dtype}"
        scale = max(1.0, float(np.abs(b).max()))
        error = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) / scale
        assert error <= tol, f"{what}: parameter {i} differs from torch by {error:.3g} (tolerance {tol:g})"


# ---- the tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", OPTIM_CASES, ids=[c.label for c in OPTIM_CASES])
def test_training_matches_torch_step_for_step(case: OptimCase, dtype: str) -> None:
    with torch_default_dtype(dtype):
        ours, theirs = Run("lucid", case, dtype), Run("torch", case, dtype)
        start = ours.params()
        assert ours.hyper() == pytest.approx(theirs.hyper(), rel=1e-12)
        for step in range(1, STEPS + 1):
            ours.backward()
            theirs.backward()
            if dtype == "float32":
                # Both optimizers get torch's gradients: over 20 steps of training, last-bit differences between
                # two autograd engines grow (centered RMSprop with momentum amplifies them to ~1e-4), which
                # would measure the training dynamics rather than the optimizer. float64 runs keep their own.
                ours.set_grads(theirs.grads())
            ours.update()
            theirs.update()
            _close(ours.params(), theirs.params(), TOL[dtype], f"step {step}")
            assert ours.hyper() == pytest.approx(theirs.hyper(), rel=1e-12), f"step {step}"
    # The optimizer really trained: every parameter moved.
    for before, after in zip(start, ours.params(), strict=True):
        assert np.abs(after - before).max() > 1e-4


@pytest.mark.parametrize("case", [c for c in OPTIM_CASES if c.schedule is None], ids=lambda c: c.label)
def test_state_keys_and_group_hyperparameters_match_torch(case: OptimCase) -> None:
    with torch_default_dtype("float64"):
        ours, theirs = Run("lucid", case, "float64"), Run("torch", case, "float64")
        for _ in range(3):
            ours.step()
            theirs.step()
        sd, tsd = ours.opt.state_dict(), theirs.opt.state_dict()
    assert list(sd["state"]) == list(tsd["state"])
    for index, state in sd["state"].items():
        assert sorted(state) == sorted(tsd["state"][index]), f"state keys of parameter {index}"
        for key, value in state.items():
            expected = tsd["state"][index][key]
            expected = expected.numpy() if isinstance(expected, torch.Tensor) else expected
            np.testing.assert_allclose(np.asarray(value, dtype=np.float64), expected, rtol=1e-9, atol=1e-12,
                                       err_msg=f"state[{index}][{key!r}]")  # fmt: skip
    torch_only = {"foreach", "capturable", "differentiable", "fused"}
    for ours_group, their_group in zip(sd["param_groups"], tsd["param_groups"], strict=True):
        assert set(ours_group) == set(their_group) - torch_only
        for key, value in ours_group.items():
            assert value == their_group[key], key


@pytest.mark.parametrize("case", OPTIM_CASES, ids=[c.label for c in OPTIM_CASES])
def test_state_dict_round_trip_continues_like_an_uninterrupted_run(case: OptimCase) -> None:
    """Save optimizer (and schedule) mid-training, load into fresh ones built with another lr, continue:
    every later step is identical to the uninterrupted run."""
    uninterrupted = Run("lucid", case, "float64")
    history = []
    for _ in range(STEPS):
        uninterrupted.step()
        history.append(uninterrupted.params())

    first = Run("lucid", case, "float64")
    for _ in range(8):
        first.step()
    saved_opt = first.opt.state_dict()
    saved_sched = first.sched.state_dict() if first.sched is not None else None
    saved_weights = {k: v.numpy().copy() for k, v in first.model.state_dict().items()}

    resumed = Run("lucid", case, "float64", lr_offset=0.5)
    resumed.model.load_state_dict(saved_weights)
    resumed.opt.load_state_dict(saved_opt)
    if saved_sched is not None:
        resumed.sched.load_state_dict(saved_sched)
    assert resumed.hyper() == first.hyper()
    for step in range(8, STEPS):
        resumed.step()
        for a, b in zip(resumed.params(), history[step], strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"step {step + 1}")


def test_every_optimizer_has_a_case() -> None:
    covered = {c.name for c in OPTIM_CASES}
    exported = {name for name in optim.__all__ if isinstance(getattr(optim, name), type)}
    assert exported - covered == {"Optimizer", "LBFGS"}  # LBFGS has its own closure-driven harness
