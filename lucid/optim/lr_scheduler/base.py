"""`LRScheduler`: the epoch counter, base learning rates and state dict shared by every schedule."""

from __future__ import annotations

import copy
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer

# Bookkeeping attributes PyTorch keeps in its schedulers' state dicts; lucid has no use for them.
_TORCH_ONLY_KEYS = ("_get_lr_called_within_step", "_is_initial")

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` is deprecated, as in PyTorch: with it the closed form is used "
    "(where the schedule has one) instead of the chainable form. Call `scheduler.step()` without arguments."
)


class LRScheduler:
    """Base class: keeps `base_lrs` (each group's `initial_lr`) and `last_epoch`; subclasses define `get_lr()`.

    Like PyTorch, construction performs a first `step()` that advances `last_epoch` to 0 (or to `last_epoch + 1`
    when resuming); schedules that scale the current lr ("chainable") leave it unchanged in that first step,
    which they recognise by `_is_initial`. Most schedules also define `_get_closed_form_lr()`, the lr as a
    function of `last_epoch` and `base_lrs` alone, used by `step(epoch)` and by `SequentialLR` at a milestone.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = lucid.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> opt.step(); sched.step(); sched.get_last_lr(), sched.last_epoch
    ([0.05], 1)
    """

    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, (int, np.integer)) or last_epoch < -1:
            raise ValueError(f"{name}: Invalid last_epoch: {last_epoch!r} (expected -1 to start, or the index of "
                             "the last finished epoch >= 0 to resume)")  # fmt: skip
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{name}: param_groups[{i}] has no 'initial_lr', needed to resume at "
                        f"last_epoch={last_epoch}; load the optimizer's state_dict first or pass last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self._initial_step()

    def _initial_step(self) -> None:
        """The step taken at construction (and by SequentialLR when it hands over to this schedule)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The lr of each group for the current `last_epoch` (called by `step()` after it advances the epoch)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def get_last_lr(self) -> list[float]:
        """The lrs set by the latest `step()`, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and write the new lr into every parameter group.

        `epoch` (deprecated, as in PyTorch) jumps to that epoch and uses the closed form where there is one.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    # ---- state dicts --------------------------------------------------------------------------------
    _unsaved: tuple[str, ...] = ("optimizer", "_is_initial")

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (which saves its own state), as in PyTorch; a copy, not a view."""
        return {key: copy.deepcopy(value) for key, value in vars(self).items() if key not in self._unsaved}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()` of a scheduler of the same class."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        known = set(vars(self)) | set(self._unsaved)
        unknown = sorted(set(state_dict) - known - set(_TORCH_ONLY_KEYS))
        if unknown:
            raise ValueError(f"{name}.load_state_dict: unexpected keys {unknown}; "
                             "was it saved from another scheduler class?")  # fmt: skip
        for key, value in state_dict.items():
            if key not in self._unsaved and key not in _TORCH_ONLY_KEYS:
                setattr(self, key, copy.deepcopy(value))


def _check_optimizer(name: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected a lucid Optimizer, got {type(optimizer).__name__}")


def _format_param(owner: str, arg: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list/tuple must have one entry per group, a scalar is repeated."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{owner}: {arg} has {len(value)} values, but the optimizer has {groups} param_groups "
                             "(give one value per group, or a single value for all)")  # fmt: skip
        return list(value)
    return [value] * groups


def _per_group(owner: str, arg: str, optimizer: Optimizer, value: Any, low: float | None = 0.0) -> list[float]:
    """`_format_param` for numbers: one number >= `low` per parameter group."""
    return [_number(owner, arg, v, low=low) for v in _format_param(owner, arg, optimizer, value)]


def _callables_per_group(owner: str, optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    """LambdaLR's and MultiplicativeLR's `lr_lambda`: one function for all groups, or a list of one per group."""
    groups = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != groups:
            raise ValueError(f"{owner}: expected {groups} lr_lambdas (one per param group), got {len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * groups
    for i, fn in enumerate(fns):
        if not callable(fn):
            raise TypeError(f"{owner}: lr_lambda[{i}] should be a function of the epoch, got {type(fn).__name__}")
    return fns


def _function_state(fn: Any) -> dict[str, Any] | None:
    """What PyTorch saves of a user callable: nothing for a plain function or lambda (its code cannot be saved),
    the attributes (`__dict__`) of a callable object."""
    if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__"):
        return None
    return copy.deepcopy(fn.__dict__)


def _nonnegative_int(owner: str, arg: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{owner}: Invalid {arg}: {value!r} ({arg} must be {kind})")
    return int(value)


def _number(owner: str, arg: str, value: Any, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False) -> float:  # fmt: skip
    """A real number within [low, high] (or the open ends asked for); the message states the range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: Invalid {arg}: {value!r} ({arg} must be a number)")
    ok = value == value  # not NaN
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        left = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
        right = "" if high is None else f"{high:g}" + (")" if high_open else "]")
        if low is not None and high is not None:
            expected = f"in {left}, {right}"
        elif low is not None:
            expected = f"{'>' if low_open else '>='} {low:g}"
        else:
            expected = f"{'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{owner}: Invalid {arg}: {value} ({arg} must be {expected})")
    return float(value)


def _same_optimizer(owner: str, optimizer: Optimizer, schedulers: Sequence[Any]) -> None:
    """Checks shared by SequentialLR and ChainedScheduler on the schedules they combine."""
    from lucid.optim.lr_scheduler.plateau import ReduceLROnPlateau

    if len(schedulers) < 1:
        raise ValueError(f"{owner}: expects at least one scheduler, got none")
    for i, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"{owner}: schedulers[{i}] is a {type(scheduler).__name__}, not an LRScheduler")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, which cannot be combined: its "
                             "step() needs the metric")  # fmt: skip
        if scheduler.optimizer is not optimizer:
            raise ValueError(
                f"{owner}: schedulers[{i}] ({type(scheduler).__name__}) drives a different optimizer "
                f"({type(scheduler.optimizer).__name__} object) than the one given; all must share one"
            )
