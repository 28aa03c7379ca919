"""`Optimizer`: parameter groups, per-parameter state, and PyTorch-shaped state dicts.

Subclasses implement `step()`; updates act on `param.data` (NumPy, in the parameter's dtype) and never build a
graph. Per-parameter state holds NumPy arrays and Python numbers, keyed by the parameter itself.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from lucid.tensor import Tensor

ParamsLike = Iterable[Tensor] | Iterable[dict[str, Any]]


class _Required:
    """Marks a hyperparameter that has no default and must be given per group."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: holds `param_groups` (dicts of `params` + hyperparameters) and `state` (per parameter).

    >>> w = lucid.randn(3, requires_grad=True)
    >>> opt = lucid.optim.SGD([{"params": [w], "lr": 0.1}])
    >>> opt.param_groups[0]["lr"]
    0.1
    """

    def __init__(self, params: ParamsLike, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got a single Tensor "
                f"of shape {params.shape}; wrap it in a list"
            )
        if isinstance(params, dict):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got one dict; "
                            "wrap it in a list")  # fmt: skip
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it does not set come from the optimizer's defaults.

        >>> weight, bias = lucid.randn(3, requires_grad=True), lucid.zeros(3, requires_grad=True)
        >>> opt = lucid.optim.SGD([weight], lr=0.1, momentum=0.9)
        >>> opt.add_param_group({"params": [bias], "lr": 0.01})
        >>> [(group["lr"], group["momentum"]) for group in opt.param_groups]
        [(0.1, 0.9), (0.01, 0.9)]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            # Set order varies between runs, and state_dict refers to parameters by position.
            raise TypeError(f"{name}: parameters must be an ordered collection (list, tuple), not a set")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, not a lucid Tensor")
            if not p.is_leaf:
                raise ValueError(f"{name}: params[{i}] (shape {p.shape}) is not a leaf tensor; optimize leaves only")
            if p.dtype.kind != "f":
                raise TypeError(
                    f"{name}: params[{i}] has dtype {p.dtype}; only floating-point tensors can be optimized"
                )
        seen: dict[Tensor, int] = {}
        for i, p in enumerate(params):
            if p in seen:
                raise ValueError(f"{name}: params[{i}] is the same tensor as params[{seen[p]}]; pass each once")
            seen[p] = i
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization "
                                 f"parameter {key!r}")  # fmt: skip
            group.setdefault(key, default)
        self._validate_group(group)
        for other in self.param_groups:
            for p in other["params"]:
                if p in seen:
                    raise ValueError(
                        f"{name}: some parameters appear in more than one parameter group "
                        f"(params[{seen[p]}] of the new group, shape {p.shape})"
                    )
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Check a group's hyperparameters (subclasses override); raise ValueError naming the bad value."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (to None, or to zeros with `set_to_none=False`)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient; return closure() if one is given."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # ---- state dicts --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A copy of the state: `state` keyed by parameter index (counted across groups) and `param_groups`
        with `params` replaced by those indices, as in PyTorch.

        >>> w = lucid.ones(3, requires_grad=True)
        >>> opt = lucid.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward(); opt.step()
        >>> sd = opt.state_dict(); sd["param_groups"][0]["params"]
        [0]
        >>> list(sd["state"][0])
        ['momentum_buffer']
        """
        index: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(p, len(index))
                ids.append(index[p])
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[p]: copy.deepcopy(s) for p, s in self.state.items() if p in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by `state_dict()` from an optimizer over parameters of the same shapes and grouping."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' "
                             "(as returned by state_dict())")  # fmt: skip
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {g} has {len(saved['params'])} params in the loaded "
                    f"state dict but {len(group['params'])} in the optimizer"
                )
            for i, p in zip(saved["params"], group["params"], strict=True):
                by_index[i] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, saved_state in state_dict["state"].items():
            if i not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for parameter index {i} matches no parameter")
            p = by_index[i]
            new_state[p] = {k: self._restore_state_value(k, v, p, i) for k, v in copy.deepcopy(saved_state).items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            restored = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            restored["params"] = group["params"]
            new_groups.append(restored)
        self.state = new_state
        self.param_groups = new_groups

    def _restore_state_value(self, key: str, value: Any, param: Tensor, index: int) -> Any:
        """Bring one saved state entry to the parameter's dtype, checking that a shaped buffer matches the
        parameter's shape (LBFGS, whose buffers are flat, overrides this)."""
        if isinstance(value, Tensor):
            value = value.numpy().copy()
        if isinstance(value, np.ndarray) and value.ndim > 0:
            if value.shape != param.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state[{index}][{key!r}] has shape {value.shape}, "
                    f"the parameter has shape {param.shape}"
                )
            if value.dtype.kind == "f":
                return value.astype(param.dtype, copy=False)
        return value


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.floating, np.integer))


def _float_arg(value: Any, what: str, minimum: float = 0.0, *, owner: str = "", arg: str = "") -> float:
    """Validate a hyperparameter that must be a number >= `minimum`, worded like PyTorch (`Invalid learning
    rate: -1`) but also naming the optimizer and the argument: `SGD: Invalid learning rate: -1 (lr must be >= 0)`."""
    prefix = f"{owner}: " if owner else ""
    name = arg or what
    if not _is_number(value):
        raise TypeError(f"{prefix}Invalid {what}: {value!r} ({name} must be a number, got {type(value).__name__})")
    if not value >= minimum:  # also catches NaN
        expected = "not NaN" if minimum == -float("inf") else f">= {minimum:g}"
        raise ValueError(f"{prefix}Invalid {what}: {value} ({name} must be {expected})")
    return float(value)


def _check_betas(owner: str, betas: Any, arg: str = "betas") -> tuple[float, float]:
    """A pair of coefficients, each in [0, 1), as Adam and its relatives take them."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: Invalid {arg}: {betas!r} (expected a pair (beta1, beta2))")
    for i, beta in enumerate(betas):
        if not _is_number(beta):
            raise TypeError(f"{owner}: Invalid beta parameter at index {i}: {beta!r} ({arg}[{i}] must be a number)")
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{owner}: Invalid beta parameter at index {i}: {beta} ({arg}[{i}] must be in [0, 1))")
    return float(betas[0]), float(betas[1])


def _check_choice(owner: str, arg: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """`value` must be one of `choices`; the message lists them."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{owner}: Invalid {arg}: {value!r} (expected one of {options})")
    return value


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start += weight * (end - start), in place, rounded the way torch.lerp_ does (from whichever end
    `weight` is nearer), so running averages track PyTorch's to the last bit as far as possible."""
    diff = end - start
    w = start.dtype.type(weight)  # torch rounds the weight to the tensor's dtype before using it
    if abs(w) < 0.5:
        diff *= w
        start += diff
    else:
        diff *= 1 - w
        np.subtract(end, diff, out=start)


def _bump_version(param: Tensor) -> None:
    """Tell autograd a parameter's values changed in place (a graph that saved them must not reuse them)."""
    param.data = param.data
