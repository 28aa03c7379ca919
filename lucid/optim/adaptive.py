"""Per-coordinate adaptive step sizes from running squared gradients: RMSprop, Adagrad, Adadelta (PyTorch's rules).

Each follows the single-tensor update of its `torch.optim` twin operation by operation, on `param.data` in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _bump_version, _float_arg, _lerp_
from lucid.tensor import Tensor


def _direction(p: Tensor, group: dict[str, Any]) -> np.ndarray:
    """The gradient the update follows: negated with `maximize`, plus `weight_decay * p` (L2 decay)."""
    grad = -p.grad if group["maximize"] else p.grad
    if group["weight_decay"] != 0:
        grad = grad + group["weight_decay"] * p.data
    return grad


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients, as `torch.optim.RMSprop`.

    v = α·v + (1-α)·g²; with `centered`, the running mean ḡ of g is subtracted (v - ḡ²) so the step is scaled
    by an estimate of the gradient's variance. The step is g / (sqrt(v) + eps), through a momentum buffer
    b = momentum·b + g / (sqrt(v) + eps) when `momentum > 0`.
    State per parameter: `step`, `square_avg`, and `momentum_buffer` / `grad_avg` when those options are on.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]  # a first step of lr / sqrt(1-α)
    [0.9, -1.9]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="RMSprop", arg="lr")
        _float_arg(group["eps"], "epsilon value", owner="RMSprop", arg="eps")
        _float_arg(group["momentum"], "momentum value", owner="RMSprop", arg="momentum")
        _float_arg(group["weight_decay"], "weight_decay value", owner="RMSprop", arg="weight_decay")
        _float_arg(group["alpha"], "alpha value", owner="RMSprop", arg="alpha")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                data = p.data
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(data)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(data)
                    if group["centered"]:
                        state["grad_avg"] = np.zeros_like(data)
                state["step"] += 1
                grad = _direction(p, group)
                square_avg = state["square_avg"]
                square_avg *= alpha
                scratch = np.multiply(grad, 1 - alpha)
                scratch *= grad
                square_avg += scratch
                if group["centered"]:
                    grad_avg = state.setdefault("grad_avg", np.zeros_like(data))
                    _lerp_(grad_avg, grad, 1 - alpha)
                    np.multiply(grad_avg, -1.0, out=scratch)
                    scratch *= grad_avg
                    scratch += square_avg
                    avg = np.sqrt(scratch, out=scratch)
                else:
                    avg = np.sqrt(square_avg, out=scratch)
                avg += eps
                if momentum > 0:
                    buf = state.setdefault("momentum_buffer", np.zeros_like(data))
                    buf *= momentum
                    buf += grad / avg
                    data -= lr * buf
                else:
                    update = np.multiply(grad, -lr)
                    update /= avg
                    data += update
                _bump_version(p)
        return loss


class Adagrad(Optimizer):
    """Adagrad: scale each coordinate by the root of its summed squared gradients, as `torch.optim.Adagrad`.

    s += g²; p -= lr / (1 + (t-1)·lr_decay) · g / (sqrt(s) + eps). As in PyTorch, the state (`step`, and `sum`
    filled with `initial_accumulator_value`) exists for every parameter from construction on.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]  # the first step is lr · sign(g)
    [0.9, -1.9]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        return state

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="Adagrad", arg="lr")
        _float_arg(group["lr_decay"], "lr_decay value", owner="Adagrad", arg="lr_decay")
        _float_arg(group["weight_decay"], "weight_decay value", owner="Adagrad", arg="weight_decay")
        _float_arg(group["initial_accumulator_value"], "initial_accumulator_value value", owner="Adagrad",
                   arg="initial_accumulator_value")  # fmt: skip
        _float_arg(group["eps"], "epsilon value", owner="Adagrad", arg="eps")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._init_state(p, group)  # a group added later gets its state on its first step
                state["step"] += 1
                grad = _direction(p, group)
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state_sum = state["sum"]
                scratch = grad * grad
                state_sum += scratch
                std = np.sqrt(state_sum, out=scratch)
                std += eps
                update = np.multiply(grad, -clr)
                update /= std
                p.data += update
        return loss


class Adadelta(Optimizer):
    """Adadelta: steps sized by the ratio of running RMS of past updates to that of gradients, as
    `torch.optim.Adadelta`.

    v = ρ·v + (1-ρ)·g²; Δ = sqrt(u + eps) / sqrt(v + eps) · g; u = ρ·u + (1-ρ)·Δ²; p -= lr·Δ.
    State per parameter: `step`, `square_avg` (v) and `acc_delta` (u).

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adadelta([w])
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]  # tiny first steps, by design
    [0.9968, -1.9968]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="Adadelta", arg="lr")
        rho = _float_arg(group["rho"], "rho value", owner="Adadelta", arg="rho")
        if rho > 1.0:
            raise ValueError(f"Adadelta: Invalid rho value: {rho} (rho must be in [0, 1])")
        _float_arg(group["eps"], "epsilon value", owner="Adadelta", arg="eps")
        _float_arg(group["weight_decay"], "weight_decay value", owner="Adadelta", arg="weight_decay")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p.data)
                    state["acc_delta"] = np.zeros_like(p.data)
                state["step"] += 1
                grad = _direction(p, group)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg *= rho
                scratch = np.multiply(grad, 1 - rho)
                scratch *= grad
                square_avg += scratch
                std = np.add(square_avg, eps, out=scratch)
                np.sqrt(std, out=std)
                delta = acc_delta + eps
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= grad
                acc_delta *= rho
                np.multiply(delta, 1 - rho, out=scratch)
                scratch *= delta
                acc_delta += scratch
                p.data -= lr * delta
        return loss
