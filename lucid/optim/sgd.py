"""Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lucid.optim.optimizer import Optimizer, ParamsLike, _float_arg


class SGD(Optimizer):
    """SGD, updating exactly as `torch.optim.SGD` does.

    With g the gradient (plus `weight_decay * p`), the momentum buffer is b = g on the first step and
    b = momentum * b + (1 - dampening) * g after; the step direction is b, or g + momentum * b with Nesterov;
    then p -= lr * direction (+= with `maximize`).

    >>> w = lucid.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()
    [0.800000011920929, 1.600000023841858]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="SGD", arg="lr")
        momentum = _float_arg(group["momentum"], "momentum value", owner="SGD", arg="momentum")
        dampening = _float_arg(group["dampening"], "dampening value", minimum=-float("inf"), owner="SGD",
                               arg="dampening")  # fmt: skip
        _float_arg(group["weight_decay"], "weight_decay value", owner="SGD", arg="weight_decay")
        if group["nesterov"] and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum and zero dampening, got momentum={momentum}, "
                f"dampening={dampening}"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    d_p = d_p + weight_decay * p.data
                if momentum != 0:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = d_p.copy()
                    else:
                        buf *= momentum
                        buf += (1 - dampening) * d_p
                    state["momentum_buffer"] = buf
                    d_p = d_p + momentum * buf if nesterov else buf
                # Write into the existing array so views of p.data (and p.data itself) stay valid.
                p.data -= lr * d_p
        return loss
