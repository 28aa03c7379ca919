"""Learning-rate schedules that rewrite `group["lr"]` of an optimizer once per `step()`, as in PyTorch.

>>> w = lucid.zeros(1, requires_grad=True)
>>> opt = lucid.optim.SGD([w], lr=0.1)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> for epoch in range(4):
...     opt.step(); sched.step()
>>> sched.get_last_lr()
[0.025]
"""

from __future__ import annotations

import math
from typing import Any

from lucid.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: keeps `base_lrs` (each group's `initial_lr`) and `last_epoch`; subclasses define `get_lr()`.

    Like PyTorch, construction performs a first `step()` that advances `last_epoch` but keeps each group's
    current lr (so resuming with `last_epoch=n` does not move the lr one epoch ahead); `get_lr()` sees
    `_is_initial` set during that step.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected a lucid Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', needed to resume at "
                        f"last_epoch={last_epoch}; load the optimizer's state_dict first or pass last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._last_lr: list[float] = []
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

    def step(self) -> None:
        """Advance one epoch and write the new lr into every parameter group."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (which saves its own state), as in PyTorch."""
        return {
            key: (list(v) if isinstance(v, list) else v)
            for key, v in vars(self).items()
            if key not in ("optimizer", "_is_initial")
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict()` of a scheduler of the same class."""
        unknown = sorted(set(state_dict) - set(vars(self)))
        if unknown:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected keys {unknown}; "
                             "was it saved from another scheduler class?")  # fmt: skip
        for key, value in state_dict.items():
            if key not in ("optimizer", "_is_initial"):
                setattr(self, key, list(value) if isinstance(value, list) else value)


class StepLR(LRScheduler):
    """Multiply each group's lr by `gamma` every `step_size` epochs: lr = base_lr · gamma^(epoch // step_size).

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = StepLR(opt, step_size=30, gamma=0.1)
    >>> for epoch in range(60):
    ...     opt.step(); sched.step()
    >>> sched.get_last_lr()  # 0.1 * 0.1 ** 2
    [0.0010000000000000002]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        if not gamma >= 0:
            raise ValueError(f"StepLR: gamma must be >= 0, got {gamma}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # Chained like PyTorch (scale the current lr) so a manual lr change carries forward.
        groups = self.optimizer.param_groups
        if self._is_initial or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to `eta_min` over `T_max` epochs (and back up after, as in PyTorch):
    lr = eta_min + (base_lr - eta_min) · (1 + cos(π · epoch / T_max)) / 2.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = CosineAnnealingLR(opt, T_max=100, eta_min=1e-6)
    >>> for epoch in range(50):
    ...     opt.step(); sched.step()
    >>> sched.get_last_lr()  # halfway down: (0.1 + 1e-6) / 2
    [0.05000050000000001]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # PyTorch's recursive form: each lr is derived from the previous one, so it composes with manual
        # changes; it equals the closed form above when nothing else touches the lr.
        t, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        if (t - 1 - t_max) % (2 * t_max) == 0:
            # Just past the minimum, where the ratio below would divide by zero.
            return [
                group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for group, base in zip(groups, self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]
