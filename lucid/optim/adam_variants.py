"""Relatives of Adam: Adamax (infinity norm), NAdam (Nesterov momentum) and RAdam (rectified), as in PyTorch.

Each follows the single-tensor update of its `torch.optim` twin operation by operation, on `param.data` in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _bump_version, _check_betas, _float_arg, _lerp_
from lucid.tensor import Tensor


def _validate_adam_like(name: str, group: dict[str, Any]) -> None:
    _float_arg(group["lr"], "learning rate", owner=name, arg="lr")
    _float_arg(group["eps"], "epsilon value", owner=name, arg="eps")
    _check_betas(name, group["betas"])
    _float_arg(group["weight_decay"], "weight_decay value", owner=name, arg="weight_decay")


def _decayed_gradient(p: Tensor, group: dict[str, Any], decoupled: bool) -> np.ndarray:
    """The gradient (negated with `maximize`) with weight decay applied: added as `weight_decay * p`, or, when
    decoupled, by shrinking p itself by `1 - lr * weight_decay` (AdamW's rule)."""
    grad = -p.grad if group["maximize"] else p.grad
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if decoupled:
            data = p.data
            data *= 1 - group["lr"] * weight_decay
        else:
            grad = grad + weight_decay * p.data
    return grad


def _adam_moments(state: dict[str, Any], grad: np.ndarray, beta1: float, beta2: float) -> np.ndarray:
    """Advance exp_avg and exp_avg_sq by one gradient; return a scratch array of the parameter's shape."""
    _lerp_(state["exp_avg"], grad, 1 - beta1)
    exp_avg_sq = state["exp_avg_sq"]
    exp_avg_sq *= beta2
    scratch = np.multiply(grad, 1 - beta2)
    scratch *= grad
    exp_avg_sq += scratch
    return scratch


class Adamax(Optimizer):
    """Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm, as
    `torch.optim.Adamax`.

    m = β1·m + (1-β1)·g, u = max(β2·u, |g| + eps), p -= lr / (1-β1^t) · m / u.
    State per parameter: `step`, `exp_avg`, `exp_inf`.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _validate_adam_like("Adamax", group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_inf"] = np.zeros_like(p.data)
                state["step"] += 1
                grad = _decayed_gradient(p, group, decoupled=False)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                scratch = np.abs(grad)
                scratch += eps
                np.maximum(exp_inf, scratch, out=exp_inf)
                clr = lr / (1 - beta1 ** state["step"])
                np.multiply(exp_avg, -clr, out=scratch)
                scratch /= exp_inf
                p.data += scratch
        return loss


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a warming momentum schedule, as `torch.optim.NAdam`.

    μ_t = β1·(1 - 0.5·0.96^(t·momentum_decay)); with Π the running product of μ and d = sqrt(v / (1-β2^t)) + eps,
    p -= lr·(1-μ_t)/(1-Π_t) · g / d + lr·μ_{t+1}/(1-Π_t·μ_{t+1}) · m / d. `decoupled_weight_decay=True`
    shrinks the weight directly (NAdamW). State per parameter: `step`, `mu_product`, `exp_avg`, `exp_avg_sq`.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]  # lr·sign(g), plus a look-ahead
    [0.8944, -1.8944]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _validate_adam_like("NAdam", group)
        _float_arg(group["momentum_decay"], "momentum_decay value", owner="NAdam", arg="momentum_decay")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps, momentum_decay = group["lr"], group["eps"], group["momentum_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                t = state["step"]
                grad = _decayed_gradient(p, group, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                state["mu_product"] *= mu
                mu_product = state["mu_product"]
                denom = _adam_moments(state, grad, beta1, beta2)
                np.divide(state["exp_avg_sq"], 1 - beta2**t, out=denom)
                np.sqrt(denom, out=denom)
                denom += eps
                data = p.data
                update = np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product))
                update /= denom
                data += update
                np.multiply(state["exp_avg"], -lr * mu_next / (1.0 - mu_product * mu_next), out=update)
                update /= denom
                data += update
                _bump_version(p)
        return loss


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on only once the variance of the second moment is
    tractable (rectified), as `torch.optim.RAdam`.

    With ρ∞ = 2/(1-β2) - 1 and ρ_t = ρ∞ - 2t·β2^t/(1-β2^t): while ρ_t <= 5 the step is plain momentum SGD,
    p -= lr·m̂; after, p -= lr·m̂·r_t·sqrt(1-β2^t)/(sqrt(v) + eps) with the rectification
    r_t = sqrt((ρ_t-4)(ρ_t-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρ_t)). State per parameter: `step`, `exp_avg`, `exp_avg_sq`.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]  # no rectification yet: lr·g
    [0.8, -1.6]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _validate_adam_like("RAdam", group)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            rho_inf = 2 / (1 - beta2) - 1
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                t = state["step"]
                grad = _decayed_gradient(p, group, group["decoupled_weight_decay"])
                scratch = _adam_moments(state, grad, beta1, beta2)
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                update = state["exp_avg"] / bias_correction1
                update *= lr
                rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = np.sqrt(state["exp_avg_sq"], out=scratch)
                    adaptive += eps
                    # torch computes scalar / tensor as reciprocal(tensor) * scalar
                    np.reciprocal(adaptive, out=adaptive)
                    adaptive *= math.sqrt(bias_correction2)
                    update *= adaptive
                    update *= rect
                p.data -= update
        return loss
