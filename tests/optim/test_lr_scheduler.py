"""Every lr schedule against torch.optim.lr_scheduler on a dummy optimizer with two param groups: lr by lr (and
momentum / beta1 by momentum) over 25 steps, resumed with `last_epoch`, jumped with `step(epoch)`, and through a
state_dict round trip."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
from lucid import optim
from lucid.optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 25

Builder = Callable[[Any, Any], Any]  # (lr_scheduler module, optimizer) -> scheduler


def _optimizer(lib: str, kind: str = "sgd") -> Any:
    if lib == "lucid":
        a, b = lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)
        module = optim
    else:
        a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        module = torch.optim
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "adam":
        return module.Adam(groups, lr=0.2)
    return module.SGD(groups, lr=0.2, momentum=0.9)


def _module(lib: str) -> Any:
    return lr_scheduler if lib == "lucid" else torch.optim.lr_scheduler


def _snapshot(opt: Any, sched: Any) -> list[float]:
    values = [float(v) for v in sched.get_last_lr()]
    for group in opt.param_groups:
        values.append(float(group["lr"]))
        values.append(float(group["momentum"]) if "momentum" in group else float(group["betas"][0]))
    return values


def _history(opt: Any, sched: Any, steps: int) -> list[list[float]]:
    values = [_snapshot(opt, sched)]
    for _ in range(steps):
        opt.step()
        sched.step()
        values.append(_snapshot(opt, sched))
    return values


class _Scaled:
    """A callable object with state, as LambdaLR saves it (its __dict__)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate**epoch


# (label, optimizer kind, builder). The builders run against either library's lr_scheduler module.
SCHEDULES: list[tuple[str, str, Builder]] = [
    ("LambdaLR", "sgd", lambda s, o: s.LambdaLR(o, lambda e: 0.9**e)),
    ("LambdaLR-per-group", "sgd", lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), _Scaled(0.8)])),
    ("MultiplicativeLR", "sgd", lambda s, o: s.MultiplicativeLR(o, lambda e: 0.95 if e % 2 else 0.9)),
    ("StepLR", "sgd", lambda s, o: s.StepLR(o, step_size=3, gamma=0.5)),
    ("MultiStepLR", "sgd", lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3)),
    ("ConstantLR", "sgd", lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=4)),
    ("LinearLR", "sgd", lambda s, o: s.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7)),
    ("LinearLR-decay", "sgd", lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=30)),
    ("ExponentialLR", "sgd", lambda s, o: s.ExponentialLR(o, gamma=0.87)),
    ("PolynomialLR", "sgd", lambda s, o: s.PolynomialLR(o, total_iters=12, power=2.0)),
    ("CosineAnnealingLR", "sgd", lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", "sgd", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts-Tmult", "sgd", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    ("CyclicLR-triangular", "sgd", lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR-triangular2", "adam",
     lambda s, o: s.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5,
                             mode="triangular2")),
    ("CyclicLR-exp_range", "sgd",
     lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95,
                             base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR-scale_fn", "sgd",
     lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.9**x,
                             scale_mode="iterations", cycle_momentum=False)),
    ("OneCycleLR-cos", "sgd", lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=EPOCHS + 1)),
    ("OneCycleLR-linear-three_phase", "adam",
     lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 0.1], epochs=2, steps_per_epoch=13, anneal_strategy="linear",
                               three_phase=True, pct_start=0.4, div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR-no-momentum", "sgd",
     lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=EPOCHS, cycle_momentum=False)),
    ("SequentialLR", "sgd",
     lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=5), s.ExponentialLR(o, gamma=0.9),
                                     s.StepLR(o, step_size=2)], milestones=[5, 12])),
    ("SequentialLR-cosine", "sgd",
     lambda s, o: s.SequentialLR(o, [s.ConstantLR(o, factor=0.5, total_iters=3),
                                     s.CosineAnnealingLR(o, T_max=10)], milestones=[4])),
    ("ChainedScheduler", "sgd",
     lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.5, total_iters=4), s.ExponentialLR(o, gamma=0.9),
                                      s.MultiStepLR(o, milestones=[6, 15])])),
]  # fmt: skip
IDS = [label for label, _, _ in SCHEDULES]


@pytest.mark.parametrize(("label", "kind", "build"), SCHEDULES, ids=IDS)
def test_schedule_matches_torch_step_for_step(label: str, kind: str, build: Builder) -> None:
    ours_opt, theirs_opt = _optimizer("lucid", kind), _optimizer("torch", kind)
    ours = _history(ours_opt, build(lr_scheduler, ours_opt), EPOCHS)
    theirs = _history(theirs_opt, build(torch.optim.lr_scheduler, theirs_opt), EPOCHS)
    for epoch, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"epoch {epoch}"
    assert len({tuple(v) for v in ours}) > 1  # the schedule really moved the lr


RESUMABLE = [s for s in SCHEDULES if not s[0].startswith(("SequentialLR", "ChainedScheduler"))]


@pytest.mark.parametrize("resume_at", [3, 8])
@pytest.mark.parametrize(("label", "kind", "build"), RESUMABLE, ids=[s[0] for s in RESUMABLE])
def test_resuming_with_last_epoch_matches_torch(label: str, kind: str, build: Builder, resume_at: int) -> None:
    """Run to `resume_at`, then build the schedule again with last_epoch=resume_at (the optimizer groups keep
    their initial_lr and schedule entries) and continue; torch must do the same."""

    def run(lib: str) -> list[list[float]]:
        opt = _optimizer(lib, kind)
        _history(opt, build(_module(lib), opt), resume_at)
        original = _module(lib).LRScheduler.__init__

        def resume(self: Any, optimizer: Any, last_epoch: int = -1) -> None:
            original(self, optimizer, resume_at)

        # Builders pass no last_epoch; give the new schedule last_epoch=resume_at through the base class.
        patch = pytest.MonkeyPatch()
        patch.setattr(_module(lib).LRScheduler, "__init__", resume)
        try:
            sched = build(_module(lib), opt)
        finally:
            patch.undo()
        return _history(opt, sched, 10)

    for epoch, (a, b) in enumerate(zip(run("lucid"), run("torch"), strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"epoch {resume_at + epoch}"


@pytest.mark.parametrize(("label", "kind", "build"), SCHEDULES, ids=IDS)
def test_state_dict_round_trip_resumes_the_schedule(label: str, kind: str, build: Builder) -> None:
    opt = _optimizer("lucid", kind)
    full = _history(opt, build(lr_scheduler, opt), EPOCHS)

    opt2 = _optimizer("lucid", kind)
    sched2 = build(lr_scheduler, opt2)
    _history(opt2, sched2, 9)
    saved_opt, saved_sched = opt2.state_dict(), sched2.state_dict()
    assert "optimizer" not in saved_sched

    # As in PyTorch: build the new schedule first, then load the optimizer's state and the schedule's.
    opt3 = _optimizer("lucid", kind)
    sched3 = build(lr_scheduler, opt3)
    opt3.load_state_dict(saved_opt)
    sched3.load_state_dict(saved_sched)
    assert _history(opt3, sched3, EPOCHS - 9) == full[9:]


@pytest.mark.parametrize(("label", "kind", "build"), SCHEDULES, ids=IDS)
def test_state_dict_keys_match_torch(label: str, kind: str, build: Builder) -> None:
    ours = build(lr_scheduler, _optimizer("lucid", kind)).state_dict()
    theirs = build(torch.optim.lr_scheduler, _optimizer("torch", kind)).state_dict()
    assert set(ours) == set(theirs) - {"_get_lr_called_within_step", "_is_initial"}
    for key in ("base_lrs", "last_epoch", "_step_count", "_last_lr", "T_cur", "T_i", "total_steps"):
        if key in theirs:
            assert ours[key] == pytest.approx(theirs[key]), key
    if "lr_lambdas" in theirs:
        assert ours["lr_lambdas"] == theirs["lr_lambdas"]


def test_lambda_state_saves_callable_objects_only() -> None:
    opt = _optimizer("lucid")
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 1.0, _Scaled(0.5)])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]
    fresh = _Scaled(0.9)
    other = lr_scheduler.LambdaLR(_optimizer("lucid"), [lambda e: 1.0, fresh])
    other.load_state_dict(state)
    assert fresh.rate == 0.5
    # Loading did not consume the saved dict (PyTorch issue 32756).
    assert state["lr_lambdas"] == [None, {"rate": 0.5}]


CLOSED_FORM = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR"]


@pytest.mark.parametrize(("label", "kind", "build"), [s for s in SCHEDULES if s[0] in CLOSED_FORM], ids=CLOSED_FORM)
def test_step_with_an_epoch_uses_the_closed_form_like_torch(label: str, kind: str, build: Builder) -> None:
    results = []
    for lib in ("lucid", "torch"):
        opt = _optimizer(lib, kind)
        sched = build(_module(lib), opt)
        values = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in [4, 9, 2, 15, 15, 0]:
                sched.step(epoch)
                values.append(sched.get_last_lr())
        assert any("deprecated" in str(w.message) for w in caught)
        results.append(values)
    assert results[0] == [pytest.approx(v, rel=1e-12) for v in results[1]]


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_with_fractional_epochs_match_torch(t_mult: int) -> None:
    epochs = [0.25, 0.5, 1.0, 1.75, 2.9, 3.0, 3.5, 7.2, 8.0, 12.6, 20.0, 31.3, 2.0, 45.5]
    results = []
    for lib in ("lucid", "torch"):
        opt = _optimizer(lib)
        sched = _module(lib).CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.005)
        values = []
        for epoch in epochs:
            sched.step(epoch)
            values.append([*sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch])
        # Fractional steps interleave with whole ones.
        sched.step()
        values.append([*sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch])
        results.append(values)
    for a, b in zip(*results, strict=True):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


METRICS = [1.0, 0.9, 0.9, 0.95, 0.8999, 0.8, 0.85, 0.86, 0.87, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.6, 0.65,
           0.66, 0.64, 0.63, 0.62, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68, 0.69]  # fmt: skip
PLATEAU = [
    {},
    {"patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 2, "factor": 0.5},
    {"patience": 0, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2},
    {"patience": 1, "factor": 0.2, "min_lr": [0.05, 0.001], "threshold": 0.1},
    {"patience": 1, "factor": 0.9, "eps": 0.015},  # group 0's cuts exceed eps, group 1's (0.005) do not
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 1, "cooldown": 1, "min_lr": 0.1},
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(kwargs: dict[str, Any]) -> None:
    results = []
    for lib in ("lucid", "torch"):
        opt = _optimizer(lib)
        sched = _module(lib).ReduceLROnPlateau(opt, **kwargs)
        values = []
        for metric in METRICS:
            sched.step(lucid.tensor(metric) if lib == "lucid" else torch.tensor(metric))
            values.append([*sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best])
        results.append(values)
    for epoch, (a, b) in enumerate(zip(*results, strict=True)):
        assert a == pytest.approx(b, rel=1e-6), f"epoch {epoch}"
    assert results[0][-1][0] < 0.2  # the lr was cut at least once


def test_reduce_on_plateau_state_dict_round_trip() -> None:
    opt = _optimizer("lucid")
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    full = []
    for metric in METRICS:
        sched.step(metric)
        full.append(sched.get_last_lr())
    opt2 = _optimizer("lucid")
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, patience=1, factor=0.5, cooldown=1)
    for metric in METRICS[:11]:
        sched2.step(metric)
    opt3 = _optimizer("lucid")
    sched3 = lr_scheduler.ReduceLROnPlateau(opt3, mode="max")  # the saved mode wins
    opt3.load_state_dict(opt2.state_dict())
    sched3.load_state_dict(sched2.state_dict())
    resumed = []
    for metric in METRICS[11:]:
        sched3.step(metric)
        resumed.append(sched3.get_last_lr())
    assert resumed == full[11:]
    assert sched3.mode == "min" and sched3.mode_worse == math.inf


def test_values_equal_the_closed_form() -> None:
    opt = _optimizer("lucid")
    values = _history(opt, lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01), 20)
    for epoch, row in enumerate(values):
        expected = 0.01 + (0.2 - 0.01) * (1 + math.cos(math.pi * epoch / 7)) / 2
        assert row[0] == pytest.approx(expected, rel=1e-9)


def test_one_cycle_refuses_to_step_past_total_steps() -> None:
    opt = _optimizer("lucid")
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 4 times, but total_steps is 3"):
        sched.step()


def test_resuming_by_last_epoch_needs_initial_lr() -> None:
    with pytest.raises(ValueError, match=r"StepLR: param_groups\[0\] has no 'initial_lr'.*last_epoch=4"):
        lr_scheduler.StepLR(_optimizer("lucid"), step_size=2, last_epoch=4)


def _adagrad() -> optim.Optimizer:
    return optim.Adagrad([lucid.zeros(2, requires_grad=True)], lr=0.1)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError,
         r"StepLR: Invalid step_size: 0 \(step_size must be a positive integer\)"),
        (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=-0.5), ValueError, "StepLR: Invalid gamma: -0.5"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: Invalid T_max: 0"),
        (lambda o: lr_scheduler.StepLR(o, step_size=2, last_epoch=-3), ValueError, "StepLR: Invalid last_epoch: -3"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError,
         r"LambdaLR: expected 2 lr_lambdas \(one per param group\), got 1"),
        (lambda o: lr_scheduler.MultiplicativeLR(o, 0.5), TypeError,
         r"MultiplicativeLR: lr_lambda\[0\] should be a function of the epoch, got float"),
        (lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 4.5]), TypeError, r"MultiStepLR: milestones\[1\] is 4.5"),
        (lambda o: lr_scheduler.ConstantLR(o, factor=1.5), ValueError,
         r"ConstantLR: Invalid factor: 1.5 \(factor must be in \(0, 1\]\)"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "LinearLR: Invalid start_factor: 0"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=2.0), ValueError,
         r"LinearLR: Invalid end_factor: 2.0 \(end_factor must be in \[0, 1\]\)"),
        (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError,
         "CosineAnnealingWarmRestarts: Invalid T_mult: 0"),
        (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2).step(-1), ValueError,
         r"CosineAnnealingWarmRestarts.step: Invalid epoch: -1 \(epoch must be >= 0\)"),
        (lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="triangle"), ValueError,
         r"CyclicLR: Invalid mode: 'triangle' \(expected one of 'triangular', 'triangular2', 'exp_range'\)"),
        (lambda o: lr_scheduler.CyclicLR(o, [0.01], 0.1), ValueError,
         "CyclicLR: base_lr has 1 values, but the optimizer has 2 param_groups"),
        (lambda o: lr_scheduler.CyclicLR(_adagrad(), 0.01, 0.1), ValueError,
         "CyclicLR: cycle_momentum=True needs an optimizer with a 'momentum' or 'betas' hyperparameter; Adagrad"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1), ValueError,
         "OneCycleLR: give total_steps, or both epochs and steps_per_epoch"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="cosine"), ValueError,
         r"OneCycleLR: Invalid anneal_strategy: 'cosine' \(expected one of 'cos', 'linear'\)"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.3), ValueError,
         r"OneCycleLR: Invalid pct_start: 1.3 \(pct_start must be in \[0, 1\]\)"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=-2), ValueError,
         "OneCycleLR: Invalid total_steps: -2"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="minimum"), ValueError,
         r"ReduceLROnPlateau: Invalid mode: 'minimum' \(expected one of 'min', 'max'\)"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="relative"), ValueError,
         "ReduceLROnPlateau: Invalid threshold_mode: 'relative'"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError,
         r"ReduceLROnPlateau: Invalid factor: 1.0 \(factor must be in \[0, 1\)\)"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
         r"ReduceLROnPlateau: expected 2 min_lrs \(one per param group\), got 1"),
        (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]), ValueError,
         "SequentialLR: expected 0 milestones for 1 schedulers"),
        (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], milestones=[]), ValueError,
         r"SequentialLR: schedulers\[0\] is a ReduceLROnPlateau"),
        (lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(o, 2), lr_scheduler.StepLR(_adagrad(), 2)]),
         ValueError, r"ChainedScheduler: schedulers\[1\] \(StepLR\) drives a different optimizer"),
        (lambda o: lr_scheduler.ChainedScheduler([]), ValueError, "ChainedScheduler: expects at least one scheduler"),
        (lambda o: lr_scheduler.StepLR(_optimizer("torch"), step_size=2), TypeError,
         "StepLR: expected a lucid Optimizer, got SGD"),
        (lambda o: lr_scheduler.StepLR(o, step_size=2).load_state_dict({"T_max": 3}), ValueError,
         r"StepLR.load_state_dict: unexpected keys \['T_max'\]"),
    ],
)  # fmt: skip
def test_bad_arguments_name_the_schedule_the_argument_and_the_value(make: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make(_optimizer("lucid"))


def test_every_schedule_has_a_case() -> None:
    covered = {label.split("-")[0] for label, _, _ in SCHEDULES} | {"ReduceLROnPlateau", "LRScheduler"}
    assert set(lr_scheduler.__all__) == covered
    assert set(lr_scheduler.__all__) <= set(torch.optim.lr_scheduler.__all__)


def test_lucid_optim_lr_scheduler_names_stay_importable() -> None:
    from lucid.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR  # noqa: F401

    assert np.isclose(lr_scheduler.StepLR(_optimizer("lucid"), 2).get_last_lr()[1], 0.05)
