"""Per-batch cyclical schedules that also cycle momentum (SGD's `momentum` or Adam's beta1): CyclicLR and
OneCycleLR, as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lucid.optim.lr_scheduler.base import (
    LRScheduler,
    _check_optimizer,
    _function_state,
    _nonnegative_int,
    _number,
    _per_group,
)
from lucid.optim.optimizer import Optimizer, _check_choice


def _momentum_key(owner: str, optimizer: Optimizer) -> str:
    """Which hyperparameter carries the momentum: 'betas' (its first entry) or 'momentum'."""
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(f"{owner}: cycle_momentum=True needs an optimizer with a 'momentum' or 'betas' hyperparameter; "
                     f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)")  # fmt: skip


def _set_momentum(group: dict[str, Any], key: str, value: float) -> None:
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """Cycle each group's lr between `base_lr` and `max_lr` (Smith's cyclical learning rates), stepped once per
    batch: up over `step_size_up` steps, down over `step_size_down` (default: the same). The amplitude is
    scaled by `mode` ("triangular": constant; "triangular2": halved every cycle; "exp_range": gamma^step) or by
    a custom `scale_fn` of the cycle number or step (`scale_mode`). With `cycle_momentum`, momentum (or Adam's
    beta1) moves the opposite way between `max_momentum` and `base_momentum`.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=2)
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs, round(opt.param_groups[0]["momentum"], 6)
    ([0.01, 0.03, 0.05, 0.03, 0.01], 0.9)
    """

    _unsaved = ("optimizer", "_is_initial", "_scale_fn_custom")

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer("CyclicLR", optimizer)
        base_lrs = _per_group("CyclicLR", "base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR", "max_lr", optimizer, max_lr)
        up = float(_nonnegative_int("CyclicLR", "step_size_up", step_size_up, minimum=1))
        down = (
            up
            if step_size_down is None
            else float(_nonnegative_int("CyclicLR", "step_size_down", step_size_down, minimum=1))
        )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None:
            _check_choice("CyclicLR", "mode", mode, ("triangular", "triangular2", "exp_range"))
        elif not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be a function of one number, got {type(scale_fn).__name__}")
        _check_choice("CyclicLR", "scale_mode", scale_mode, ("cycle", "iterations"))
        self.mode = mode
        self.gamma = _number("CyclicLR", "gamma", gamma)
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            key = _momentum_key("CyclicLR", optimizer)
            self.use_beta1 = key == "betas"
            self.base_momentums = _per_group("CyclicLR", "base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("CyclicLR", "max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True
                ):
                    _set_momentum(group, key, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        # The built-in modes fix what the scale is a function of.
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The amplitude scale at cycle (or step) `x`."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # position within the cycle, in [0, 1)
        if x <= self.step_ratio:
            rise = x / self.step_ratio
        else:
            rise = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * rise * scale for base, top in zip(self.base_lrs, self.max_lrs, strict=True)]
        if self.cycle_momentum:
            key = "betas" if self.use_beta1 else "momentum"
            for group, bottom, top in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums, strict=True
            ):
                _set_momentum(group, key, top - (top - bottom) * rise * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As LRScheduler; a custom `scale_fn` is saved as its attributes if it is a callable object, else None."""
        state = super().state_dict()
        state["_scale_fn_custom"] = None if self._scale_fn_custom is None else _function_state(self._scale_fn_custom)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()`, into the scale_fn given at construction."""
        saved = state_dict.get("_scale_fn_custom")
        super().load_state_dict({key: value for key, value in state_dict.items() if key != "_scale_fn_custom"})
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch: the lr rises from max_lr / div_factor to `max_lr` over the
    first `pct_start` of `total_steps` (or `epochs * steps_per_epoch`), then anneals down to
    initial_lr / final_div_factor ("cos" or "linear"); with `three_phase` it first comes back to the initial lr
    symmetrically and only then anneals. With `cycle_momentum`, momentum (or Adam's beta1) moves the opposite
    way between `max_momentum` and `base_momentum`. Stepping past `total_steps` is an error.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear")
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(9):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs[:4], lrs[-1]  # up to max_lr at step 2, then down to 0.04 / 1e4
    ([0.04, 0.52, 1.0, 0.8571], 0.0)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer("OneCycleLR", optimizer)
        if total_steps is not None:
            self.total_steps = _nonnegative_int("OneCycleLR", "total_steps", total_steps, minimum=1)
        elif epochs is not None and steps_per_epoch is not None:
            epochs = _nonnegative_int("OneCycleLR", "epochs", epochs, minimum=1)
            steps_per_epoch = _nonnegative_int("OneCycleLR", "steps_per_epoch", steps_per_epoch, minimum=1)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(
                "OneCycleLR: give total_steps, or both epochs and steps_per_epoch "
                f"(got total_steps={total_steps}, epochs={epochs}, steps_per_epoch={steps_per_epoch})"
            )
        pct_start = _number("OneCycleLR", "pct_start", pct_start, low=0.0, high=1.0)
        self._anneal_func_type = _check_choice("OneCycleLR", "anneal_strategy", anneal_strategy, ("cos", "linear"))
        div_factor = _number("OneCycleLR", "div_factor", div_factor, low=0.0, low_open=True)
        final_div_factor = _number("OneCycleLR", "final_div_factor", final_div_factor, low=0.0, low_open=True)
        # Each phase runs from the previous phase's end_step to its own, between two named group entries.
        up_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]  # fmt: skip
        else:
            self._schedule_phases = [
                {"end_step": up_end, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]  # fmt: skip
        max_lrs = _per_group("OneCycleLR", "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            key = _momentum_key("OneCycleLR", optimizer)
            self.use_beta1 = key == "betas"
            tops = _per_group("OneCycleLR", "max_momentum", optimizer, max_momentum)
            bottoms = _per_group("OneCycleLR", "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(tops, bottoms, optimizer.param_groups, strict=True):
                    _set_momentum(group, key, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps}; "
                             "make total_steps (or epochs * steps_per_epoch) cover every step() call")  # fmt: skip
        lrs = []
        key = "betas" if self.cycle_momentum and self.use_beta1 else "momentum"
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        _set_momentum(group, key, momentum)
                    break
                start_step = phase["end_step"]
        return lrs
