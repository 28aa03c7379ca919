"""Averaged SGD (Polyak-Ruppert averaging with a decaying step), as `torch.optim.ASGD`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _float_arg


class ASGD(Optimizer):
    """Averaged SGD: SGD with step size η_t = lr / (1 + lambd·lr·t)^alpha and weight decay λ·η, plus a running
    average `ax` of the iterates that starts at step `t0`, as `torch.optim.ASGD`.

    Per step: p *= 1 - lambd·η; p -= η·g; ax += μ·(p - ax) (ax = p while μ = 1); then η and μ = 1 / max(1, t - t0)
    are updated for the next step. State per parameter: `step`, `eta`, `mu` and `ax` (the averaged parameters:
    copy them into the model to evaluate the average).

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ASGD([w], lr=0.1, t0=0)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.8, -1.6]
    >>> [round(v, 4) for v in opt.state[w]["ax"].tolist()]  # the average so far is the one iterate
    [0.8, -1.6]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="ASGD", arg="lr")
        _float_arg(group["weight_decay"], "weight_decay value", owner="ASGD", arg="weight_decay")
        for key in ("lambd", "alpha", "t0"):
            _float_arg(group[key], f"{key} value", minimum=-float("inf"), owner="ASGD", arg=key)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["eta"] = float(lr)
                    state["mu"] = 1.0
                    state["ax"] = np.zeros_like(p.data)
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                eta = state["eta"]
                data = p.data
                data *= 1 - lambd * eta
                data -= eta * grad
                p.data = data  # one version bump for the in-place writes above
                ax = state["ax"]
                if state["mu"] != 1:
                    ax += (data - ax) * state["mu"]
                else:
                    np.copyto(ax, data)
                t = state["step"]
                state["eta"] = lr / ((1 + lambd * lr * t) ** alpha)
                state["mu"] = 1 / max(1, t - t0)
        return loss
