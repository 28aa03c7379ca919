"""Cosine schedules: CosineAnnealingLR (chainable, as PyTorch computes it) and CosineAnnealingWarmRestarts (SGDR)."""

from __future__ import annotations

import math

from lucid.optim.lr_scheduler.base import LRScheduler, _nonnegative_int, _number
from lucid.optim.optimizer import Optimizer


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
        self.T_max = _nonnegative_int("CosineAnnealingLR", "T_max", T_max, minimum=1)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # PyTorch's recursive form: each lr is derived from the previous one, so it composes with manual
        # changes; it equals the closed form when nothing else touches the lr.
        t, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and t > 0:
            return self._get_closed_form_lr()
        if (t - 1 - t_max) % (2 * t_max) == 0:
            # Just past the minimum, where the ratio below would divide by zero.
            return [
                group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for group, base in zip(groups, self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR: cosine from base_lr to `eta_min` over `T_0` epochs, then restart at base_lr, each period `T_mult`
    times longer than the one before: lr = eta_min + (base_lr - eta_min) · (1 + cos(π · T_cur / T_i)) / 2.

    `step()` may be called with a fractional epoch (e.g. `epoch + batch / batches_per_epoch`) to anneal
    within an epoch.

    >>> opt = lucid.optim.SGD([lucid.zeros(1, requires_grad=True)], lr=0.1)
    >>> sched = CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> lrs = []
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs  # halfway, restart, halfway, restart
    [0.05, 0.1, 0.05, 0.1]
    >>> sched.step(4.5); round(sched.get_last_lr()[0], 6)  # a quarter into the third period
    0.085355
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = _nonnegative_int("CosineAnnealingWarmRestarts", "T_0", T_0, minimum=1)
        self.T_i = self.T_0
        self.T_mult = _nonnegative_int("CosineAnnealingWarmRestarts", "T_mult", T_mult, minimum=1)
        self.eta_min = _number("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to `epoch` (which may be fractional), and set the lrs."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            _number("CosineAnnealingWarmRestarts.step", "epoch", epoch, low=0.0)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    # Periods T_0, T_0·m, T_0·m², ...: n full periods end at T_0·(m^n - 1)/(m - 1).
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
