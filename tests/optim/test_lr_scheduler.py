"""StepLR and CosineAnnealingLR against torch.optim.lr_scheduler over 20 epochs."""

from __future__ import annotations

import math
from typing import Any

import pytest

import lucid
from lucid import optim
from lucid.optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 20


def _lucid_opt() -> optim.Optimizer:
    a, b = lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.2, momentum=0.9)


def _torch_opt() -> Any:
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.2, momentum=0.9)


def _history(sched: Any, opt: Any, epochs: int) -> list[list[float]]:
    values = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        values.append(sched.get_last_lr())
    return values


SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1, "gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("CosineAnnealingLR", {"T_max": 20}),
    ("CosineAnnealingLR", {"T_max": 1, "eta_min": 0.001}),
]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES)
def test_values_match_torch_over_20_epochs(name: str, kwargs: dict[str, Any]) -> None:
    ours_opt, theirs_opt = _lucid_opt(), _torch_opt()
    ours = _history(getattr(lr_scheduler, name)(ours_opt, **kwargs), ours_opt, EPOCHS)
    theirs = _history(getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs), theirs_opt, EPOCHS)
    assert len(ours) == EPOCHS + 1
    for epoch, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"epoch {epoch}"
    assert [g["lr"] for g in ours_opt.param_groups] == ours[-1]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES)
def test_values_equal_the_closed_form(name: str, kwargs: dict[str, Any]) -> None:
    opt = _lucid_opt()
    values = _history(getattr(lr_scheduler, name)(opt, **kwargs), opt, EPOCHS)
    for epoch, lrs in enumerate(values):
        for base, lr in zip([0.2, 0.05], lrs, strict=True):
            if name == "StepLR":
                expected = base * kwargs["gamma"] ** (epoch // kwargs["step_size"])
            else:
                eta_min = kwargs.get("eta_min", 0.0)
                expected = eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / kwargs["T_max"])) / 2
            assert lr == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES[::2])
def test_state_dict_round_trip_resumes_the_schedule(name: str, kwargs: dict[str, Any]) -> None:
    cls = getattr(lr_scheduler, name)
    opt = _lucid_opt()
    sched = cls(opt, **kwargs)
    full = _history(sched, opt, EPOCHS)

    opt2 = _lucid_opt()
    sched2 = cls(opt2, **kwargs)
    _history(sched2, opt2, 8)
    saved_opt, saved_sched = opt2.state_dict(), sched2.state_dict()
    assert saved_sched["last_epoch"] == 8 and "optimizer" not in saved_sched

    opt3 = _lucid_opt()
    opt3.load_state_dict(saved_opt)
    sched3 = cls(opt3, **kwargs)
    sched3.load_state_dict(saved_sched)
    assert sched3.get_last_lr() == full[8]
    resumed = _history(sched3, opt3, EPOCHS - 8)
    assert resumed == full[8:]


def test_resuming_by_last_epoch_needs_initial_lr() -> None:
    opt = _lucid_opt()
    with pytest.raises(ValueError, match=r"param_groups\[0\] has no 'initial_lr'.*last_epoch=4"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)


@pytest.mark.parametrize(("name", "kwargs"), [("StepLR", {"step_size": 3}), ("CosineAnnealingLR", {"T_max": 10})])
def test_resuming_by_last_epoch_matches_torch(name: str, kwargs: dict[str, Any]) -> None:
    ours_opt, theirs_opt = _lucid_opt(), _torch_opt()
    for opt in (ours_opt, theirs_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    # The constructor's step keeps the current lr instead of moving it one epoch ahead.
    ours = getattr(lr_scheduler, name)(ours_opt, last_epoch=4, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, last_epoch=4, **kwargs)
    for a, b in zip(_history(ours, ours_opt, 6), _history(theirs, theirs_opt, 6), strict=True):
        assert a == pytest.approx(b, rel=1e-12)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(_lucid_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer, got 0"):
        lr_scheduler.CosineAnnealingLR(_lucid_opt(), T_max=0)
    with pytest.raises(TypeError, match="expected a lucid Optimizer"):
        lr_scheduler.StepLR(_torch_opt(), step_size=2)
    sched = lr_scheduler.StepLR(_lucid_opt(), step_size=2)
    with pytest.raises(ValueError, match=r"unexpected keys \['T_max'\]"):
        sched.load_state_dict({"T_max": 3})
