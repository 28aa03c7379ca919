"""Schedules built from other schedules: SequentialLR (one after another) and ChainedScheduler (all at once)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np

from lucid.optim.lr_scheduler.base import LRScheduler, _check_optimizer, _same_optimizer
from lucid.optim.optimizer import Optimizer


class _Composite(LRScheduler):
    """State dicts that hold the state of every inner schedule under `_schedulers`."""

    _schedulers: list[LRScheduler]
    _unsaved = ("optimizer", "_is_initial", "_schedulers")

    def state_dict(self) -> dict[str, Any]:
        """This schedule's own state, with `_schedulers` holding each inner schedule's state dict."""
        state = super().state_dict()
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()`, inner schedules included."""
        inner = state_dict.get("_schedulers", [])
        if len(inner) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds {len(inner)} schedulers, "
                             f"this one combines {len(self._schedulers)}")  # fmt: skip
        super().load_state_dict({key: value for key, value in state_dict.items() if key != "_schedulers"})
        for scheduler, saved in zip(self._schedulers, inner, strict=True):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run `schedulers` one after another, switching at each epoch in `milestones` (one fewer than schedulers);
    at a switch the next schedule starts from its own epoch 0 (its closed form), as in PyTorch.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> from lucid.optim.lr_scheduler import ExponentialLR, LinearLR
    >>> warmup = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.5)
    >>> sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[2])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs  # warm-up from half the lr, then halving from the full lr
    [0.05, 0.075, 0.1, 0.05, 0.025]
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int], last_epoch: int = -1
    ) -> None:
        _check_optimizer("SequentialLR", optimizer)
        schedulers = list(schedulers)
        _same_optimizer("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for {len(schedulers)} "
                             f"schedulers (one fewer), got {len(milestones)}: {milestones}")  # fmt: skip
        for i, m in enumerate(milestones):
            if isinstance(m, bool) or not isinstance(m, (int, np.integer)):
                raise TypeError(f"SequentialLR: milestones[{i}] is {m!r}; milestones must be integer epochs")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # The inner schedules each took a step when they were built: take those back, and start over.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        pending: list[LRScheduler] = list(schedulers)
        while pending:
            scheduler = pending.pop()
            if isinstance(scheduler, _Composite):
                pending.extend(scheduler._schedulers)
            else:
                scheduler.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch in the schedule that is current at the new epoch."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every schedule in `schedulers` at each `step()`, so that their (chainable) changes multiply.

    >>> from lucid.optim.lr_scheduler import ConstantLR, ExponentialLR
    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2), ExponentialLR(opt, gamma=0.9)])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs
    [0.5, 0.45, 0.81, 0.729]
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expects at least one scheduler, got none")
        if optimizer is None:
            optimizer = getattr(schedulers[0], "optimizer", None)
        _check_optimizer("ChainedScheduler", optimizer)
        _same_optimizer("ChainedScheduler", optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Step each schedule in turn."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
