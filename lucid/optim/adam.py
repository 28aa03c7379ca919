"""Adam (L2 weight decay folded into the gradient, or decoupled) and AdamW, as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _bump_version, _check_betas, _float_arg, _lerp_


class Adam(Optimizer):
    """Adam, updating exactly as `torch.optim.Adam` does.

    At step t with gradient g (plus `weight_decay * p`): m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g²,
    p -= lr / (1-β1^t) · m / (sqrt(v) / sqrt(1-β2^t) + eps); with `amsgrad`, v is replaced by its running max.
    With `decoupled_weight_decay=True` the weight is shrunk by `1 - lr * weight_decay` instead (AdamW).
    State per parameter: `step`, `exp_avg`, `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq`.

    >>> w = lucid.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()   # the first step moves each weight by about lr
    [0.9000000357627869, -0.9000000357627869]
    """

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
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _float_arg(group["lr"], "learning rate", owner=name, arg="lr")
        _float_arg(group["eps"], "epsilon value", owner=name, arg="eps")
        _check_betas(name, group["betas"])
        _float_arg(group["weight_decay"], "weight_decay value", owner=name, arg="weight_decay")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.data
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(data)
                    state["exp_avg_sq"] = np.zeros_like(data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                state["step"] += 1
                t = state["step"]
                if weight_decay != 0:
                    if decoupled:
                        # AdamW: shrink the weight directly, independent of the adaptive scaling.
                        data *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * data
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                scratch = np.multiply(grad, 1 - beta2)
                scratch *= grad
                exp_avg_sq += scratch
                if amsgrad:
                    np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
                    second = state["max_exp_avg_sq"]
                else:
                    second = exp_avg_sq
                step_size = lr / (1 - beta1**t)
                denom = np.sqrt(second, out=scratch)
                denom /= math.sqrt(1 - beta2**t)
                denom += eps
                # p += (-step_size * m) / denom, the order of torch's addcdiv_.
                update = np.multiply(exp_avg, -step_size)
                update /= denom
                data += update
                _bump_version(p)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr·weight_decay before the Adam step.

    >>> w = lucid.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()  # decayed to 0.95, then Adam's first step of about lr
    [0.8500000238418579, -0.8500000238418579]
    """

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
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As `Optimizer.load_state_dict`; the weight decay stays decoupled whatever the saved groups say."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
