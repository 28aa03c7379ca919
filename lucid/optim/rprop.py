"""Resilient backpropagation: per-weight step sizes driven by the sign of the gradient, as `torch.optim.Rprop`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _float_arg, _is_number


class Rprop(Optimizer):
    """Rprop: each weight keeps its own step size, grown by `etas[1]` while its gradient keeps its sign and
    shrunk by `etas[0]` when the sign flips (within `step_sizes = (min, max)`); the weight moves by its step
    size against the sign of the gradient, and not at all on the step right after a flip, as `torch.optim.Rprop`.
    State per parameter: `step`, `prev` (the previous gradient, zeroed after a flip) and `step_size`.

    >>> w = lucid.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> [round(v, 4) for v in w.tolist()]  # a step of lr, then of lr * 1.2
    [0.78, -1.78]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="Rprop", arg="lr")
        etas, sizes = group["etas"], group["step_sizes"]
        if not isinstance(etas, (tuple, list)) or len(etas) != 2 or not all(_is_number(e) for e in etas):
            raise ValueError(f"Rprop: Invalid etas: {etas!r} (expected a pair of numbers (etaminus, etaplus))")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: Invalid eta values: {etas[0]}, {etas[1]} (etas must satisfy "
                             "0 < etaminus < 1 < etaplus)")  # fmt: skip
        if not isinstance(sizes, (tuple, list)) or len(sizes) != 2 or not all(_is_number(s) for s in sizes):
            raise ValueError(f"Rprop: Invalid step_sizes: {sizes!r} (expected a pair of numbers (min, max))")
        if not 0.0 <= sizes[0] <= sizes[1]:
            raise ValueError(f"Rprop: Invalid step_sizes: {tuple(sizes)} (expected 0 <= min <= max)")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose grad is None are left alone."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["prev"] = np.zeros_like(p.data)
                    state["step_size"] = np.full_like(p.data, group["lr"])
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                agreement = grad * state["prev"]
                flipped = agreement < 0
                factor = np.ones_like(agreement)
                factor[agreement > 0] = etaplus
                factor[flipped] = etaminus
                step_size = state["step_size"]
                step_size *= factor
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                # After a sign flip the weight stays put and the next step starts afresh (prev = 0).
                grad = np.where(flipped, 0, grad).astype(p.dtype, copy=False)
                p.data -= np.sign(grad) * step_size
                np.copyto(state["prev"], grad)
        return loss
