"""ReduceLROnPlateau: cut the lr when a monitored metric stops improving, as in PyTorch."""

from __future__ import annotations

import math
import warnings
from typing import Any, SupportsFloat

from lucid.optim.lr_scheduler.base import (
    EPOCH_DEPRECATION_WARNING,
    LRScheduler,
    _check_optimizer,
    _nonnegative_int,
    _number,
)
from lucid.optim.optimizer import Optimizer, _check_choice


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` (not below `min_lr`) once the metric passed to `step(metric)` has
    not improved for more than `patience` epochs, then wait `cooldown` epochs before counting again.

    An improvement means beating the best value so far by `threshold`: relatively (`threshold_mode="rel"`:
    below best·(1 - threshold) in "min" mode, above best·(1 + threshold) in "max" mode) or absolutely ("abs").
    Changes smaller than `eps` are skipped.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for loss in [1.0, 0.9, 0.95, 0.93, 0.92]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()  # two epochs without beating 0.9: halved once
    [0.05]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        self.factor = _number(name, "factor", factor, low=0.0, high=1.0, high_open=True)
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"{name}: expected {groups} min_lrs (one per param group), got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = [_number(name, "min_lr", v, low=0.0) for v in min_lr]
        else:
            self.default_min_lr = _number(name, "min_lr", min_lr, low=0.0)
            self.min_lrs = [self.default_min_lr] * groups
        self.patience = _nonnegative_int(name, "patience", patience)
        self.cooldown = _nonnegative_int(name, "cooldown", cooldown)
        self.eps = _number(name, "eps", eps, low=0.0)
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record one epoch's metric (a number or a one-element tensor) and reduce the lrs if it is time."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(
                    f"ReduceLROnPlateau: the optimizer now has {len(groups)} param groups but "
                    f"min_lr gave {len(self.min_lrs)} values; set min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        self.mode = _check_choice("ReduceLROnPlateau", "mode", mode, ("min", "max"))
        self.threshold_mode = _check_choice("ReduceLROnPlateau", "threshold_mode", threshold_mode, ("rel", "abs"))
        self.threshold = _number("ReduceLROnPlateau", "threshold", threshold, low=0.0)
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()`."""
        super().load_state_dict(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)
