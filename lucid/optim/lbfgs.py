"""L-BFGS with an optional strong-Wolfe line search, following `torch.optim.LBFGS` iteration for iteration.

All parameters are treated as one flat vector. The state (kept under the first parameter, as PyTorch does, so
that `state_dict()` carries it) holds the curvature history: `old_dirs` (gradient differences y), `old_stps`
(steps s), `ro` (1 / y·s), `H_diag`, the last direction `d` and step length `t`, `prev_flat_grad`, `prev_loss`,
and the counters `func_evals` and `n_iter`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lucid.optim.optimizer import Optimizer, ParamsLike, _bump_version, _check_choice, _float_arg
from lucid.tensor import Tensor

_Evaluate = Callable[[float], tuple[float, np.ndarray]]


def _cubic_minimum(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple[float, float] | None = None
) -> float:
    """Minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to `bounds` (by
    default the interval between the points); the bounds' midpoint when the cubic has no real minimizer."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    discriminant = d1**2 - g1 * g2
    if discriminant < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(discriminant)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(
    evaluate: _Evaluate,
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """Find a step t along d meeting the strong Wolfe conditions: first grow t until an interval brackets
    such a point, then shrink the interval by cubic interpolation ("zoom"). Returns (loss, flat gradient, t,
    number of evaluations)."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new @ d)

    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g.copy(), gtd
    done = False
    ls_iter = 0
    points: list[float] = []  # the bracket: step lengths, and the loss, gradient and slope at each
    losses: list[float] = []
    grads: list[np.ndarray] = []
    slopes: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            # Too far (not enough decrease): a minimum lies between the previous step and this one.
            points, losses, grads, slopes = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            points, losses, grads, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            # The slope turned upwards: a minimum lies between the previous step and this one.
            points, losses, grads, slopes = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # Still going down: extrapolate, at least a little and at most 10x further.
        t_next = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter >= max_ls:
        points, losses, grads = [0.0, t], [f, f_new], [g, g_new]

    insufficient_progress = False
    low, high = (0, 1) if losses[0] <= losses[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(points[1] - points[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(points[0], losses[0], slopes[0], points[1], losses[1], slopes[1])
        # Keep the trial point away from the ends of the bracket, so that the bracket keeps shrinking.
        left, right = min(points), max(points)
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:
            if insufficient_progress or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= losses[low]:
            # Not low enough: t becomes the high end.
            points[high], losses[high], grads[high], slopes[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if losses[0] <= losses[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (points[high] - points[low]) >= 0:
                # The minimum lies on the other side of t: the old low end becomes the high end.
                points[high], losses[high], grads[high], slopes[high] = (
                    points[low], losses[low], grads[low], slopes[low]
                )  # fmt: skip
            points[low], losses[low], grads[low], slopes[low] = t, f_new, g_new.copy(), gtd_new
    return losses[low], grads[low], points[low], evals


class LBFGS(Optimizer):
    """Limited-memory BFGS, as `torch.optim.LBFGS`: each `step(closure)` runs up to `max_iter` quasi-Newton
    iterations (and at most `max_eval` loss evaluations), stopping early when the largest gradient entry is
    below `tolerance_grad` or the loss or step changes by less than `tolerance_change`. The inverse Hessian is
    approximated from the last `history_size` steps; `line_search_fn="strong_wolfe"` picks each step length
    by line search, None takes fixed steps of `lr`. Only one parameter group is supported.

    `closure` must clear the gradients, compute the loss, call `backward()` and return the loss.

    >>> x = lucid.tensor([-1.5, 2.0], requires_grad=True)
    >>> opt = LBFGS([x], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # Rosenbrock, minimum at (1, 1)
    ...     loss.backward()
    ...     return loss
    >>> for _ in range(5):
    ...     _ = opt.step(closure)
    >>> [round(v, 3) for v in x.tolist()]
    [1.0, 1.0]
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        _positive_int(max_iter, "max_iter")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """LBFGS keeps one flat vector of all parameters: a second group is refused."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups); "
                             "pass all parameters in one group")  # fmt: skip
        super().add_param_group(param_group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _float_arg(group["lr"], "learning rate", owner="LBFGS", arg="lr")
        _positive_int(group["max_iter"], "max_iter")
        _positive_int(group["max_eval"], "max_eval")
        _positive_int(group["history_size"], "history_size")
        _float_arg(group["tolerance_grad"], "tolerance_grad value", owner="LBFGS", arg="tolerance_grad")
        _float_arg(group["tolerance_change"], "tolerance_change value", owner="LBFGS", arg="tolerance_change")
        _check_choice("LBFGS", "line_search_fn", group["line_search_fn"], (None, "strong_wolfe"))

    def _restore_state_value(self, key: str, value: Any, param: Tensor, index: int) -> Any:
        # The history is kept as flat vectors over all parameters, not in any one parameter's shape.
        return value

    # ---- the flat view of all parameters ----------------------------------------------------------------
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        parts = [np.zeros(p.size, p.dtype) if p.grad is None else p.grad.ravel() for p in self._params]
        flat = np.concatenate(parts)
        if self.param_groups[0]["maximize"]:
            np.negative(flat, out=flat)
        return flat

    def _add_to_params(self, step_size: float, direction: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            data = p.data
            data += step_size * direction[offset : offset + p.size].reshape(p.shape)
            offset += p.size
            _bump_version(p)

    def _evaluate_along(
        self, closure: Callable[[], Any], start: list[np.ndarray], direction: np.ndarray, step: float
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at start + step * direction; the parameters are put back to `start` after."""
        self._add_to_params(step, direction)
        _, value = self._loss(closure)
        grad = self._flat_grad()
        for p, values in zip(self._params, start, strict=True):
            np.copyto(p.data, values)
            _bump_version(p)
        return value, grad

    def _loss(self, closure: Callable[[], Any]) -> tuple[Any, float]:
        loss = closure()
        value = float(loss)
        return loss, -value if self.param_groups[0]["maximize"] else value

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to `max_iter` iterations; return the loss the closure computed first (before any update)."""
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step: expected a closure that clears the gradients, computes the loss, calls "
                            f"backward() and returns the loss; got {closure!r}")  # fmt: skip
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._loss(closure)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = _two_loop_direction(flat_grad, old_dirs, old_stps, ro, h_diag, state, history_size)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            ls_evals = 0
            if group["line_search_fn"] is not None:
                start = [p.data.copy() for p in self._params]
                evaluate = functools.partial(self._evaluate_along, closure, start, d)
                loss, flat_grad, t, ls_evals = _strong_wolfe(
                    evaluate, t, d, loss, flat_grad, gtd, tolerance_change=1e-9, max_ls=max_eval - evals
                )
                self._add_to_params(t, d)
                converged = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                converged = False
                if n_iter != max_iter:
                    # Re-evaluate only if another iteration follows (with stochastic losses a last evaluation
                    # would be wasted).
                    _, loss = self._loss(closure)
                    flat_grad = self._flat_grad()
                    converged = np.abs(flat_grad).max() <= tolerance_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)  # fmt: skip
        return orig_loss


def _two_loop_direction(
    flat_grad: np.ndarray,
    old_dirs: list[np.ndarray],
    old_stps: list[np.ndarray],
    ro: list[float],
    h_diag: float,
    state: dict[str, Any],
    history_size: int,
) -> np.ndarray:
    """-H·g for the L-BFGS inverse-Hessian estimate H, by the two-loop recursion over the stored pairs."""
    al = state.setdefault("al", [None] * history_size)
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = float(old_stps[i] @ q) * ro[i]
        q += -al[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be_i = float(old_dirs[i] @ r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


def _positive_int(value: Any, arg: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"LBFGS: Invalid {arg}: {value!r} ({arg} must be a positive integer)")
    return int(value)
