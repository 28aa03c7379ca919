"""Adam (L2 weight decay folded into the gradient) and AdamW (decoupled weight decay), as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _float_arg


class Adam(Optimizer):
    """Adam, updating exactly as `torch.optim.Adam` does.

    At step t with gradient g (plus `weight_decay * p`): m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g²,
    p -= lr / (1-β1^t) · m / (sqrt(v) / sqrt(1-β2^t) + eps); with `amsgrad`, v is replaced by its running max.

    >>> w = lucid.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()   # the first step moves each weight by about lr
    [0.9000000357627869, -0.9000000357627869]
    """

    _decoupled = False

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate")
        _float_arg(group["eps"], "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
        for i, beta in enumerate(betas):
            if not 0.0 <= _float_arg(beta, f"beta parameter at index {i}") < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta} (expected 0 <= beta < 1)")
        _float_arg(group["weight_decay"], "weight_decay value")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                if weight_decay != 0:
                    if self._decoupled:
                        # AdamW: shrink the weight directly, independent of the adaptive scaling.
                        p.data *= np.asarray(1 - lr * weight_decay, dtype=p.dtype)
                    else:
                        grad = grad + weight_decay * p.data
                state["step"] += 1
                t = state["step"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg += (grad - exp_avg) * np.asarray(1 - beta1, dtype=p.dtype)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                step_size = lr / (1 - beta1**t)
                bias_correction2_sqrt = math.sqrt(1 - beta2**t)
                if group["amsgrad"]:
                    np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                    second = state["max_exp_avg_sq"]
                else:
                    second = exp_avg_sq
                denom = np.sqrt(second) / bias_correction2_sqrt + eps
                p.data -= (step_size * (exp_avg / denom)).astype(p.dtype, copy=False)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr·weight_decay before the Adam step.

    >>> w = lucid.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()  # decayed to 0.95, then Adam's first step of about lr
    [0.8500000238418579, -0.8500000238418579]
    """

    _decoupled = True

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
