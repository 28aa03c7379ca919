"""LBFGS against torch.optim.LBFGS on the Rosenbrock function (float64), step by step, and its state dict."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lucid
from lucid import optim

torch = pytest.importorskip("torch")

START = [np.array([-1.2, 1.0, -0.5, 0.8]), np.array([[0.3, -1.1], [1.4, 0.2]])]


def _rosenbrock(parts: list[Any], cat: Any) -> Any:
    """The extended Rosenbrock function of all parameters joined into one vector (minimum 0 at all ones)."""
    x = cat([p.reshape(-1) for p in parts])
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


class Side:
    """One library's parameters, LBFGS and closure."""

    def __init__(self, lib: str, kwargs: dict[str, Any], sign: float = 1.0) -> None:
        self.lib = lib
        if lib == "lucid":
            self.params = [lucid.tensor(a.copy(), requires_grad=True) for a in START]
            self.opt = optim.LBFGS(self.params, **kwargs)
            self.cat = lucid.concatenate
        else:
            self.params = [torch.tensor(a.copy(), requires_grad=True) for a in START]
            self.opt = torch.optim.LBFGS(self.params, **kwargs)
            self.cat = torch.cat
        self.sign = sign

    def closure(self) -> Any:
        self.opt.zero_grad()
        loss = _rosenbrock(self.params, self.cat) * self.sign
        loss.backward()
        return loss

    def step(self) -> float:
        return self.opt.step(self.closure).item()

    def values(self) -> list[np.ndarray]:
        if self.lib == "lucid":
            return [p.numpy().copy() for p in self.params]
        return [p.detach().numpy().copy() for p in self.params]

    def counters(self) -> tuple[int, int]:
        state = self.opt.state[self.params[0]]
        return int(state["func_evals"]), int(state["n_iter"])


CASES = [
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 5, "tolerance_change": 1e-6},
    {"lr": 0.02, "max_iter": 5},
    {"lr": 0.05, "history_size": 2, "max_iter": 10, "tolerance_grad": 1e-3},
    {"line_search_fn": "strong_wolfe", "maximize": True},
]


@pytest.mark.parametrize("kwargs", CASES, ids=[str(c) for c in CASES])
def test_lbfgs_matches_torch_step_for_step(kwargs: dict[str, Any]) -> None:
    sign = -1.0 if kwargs.get("maximize") else 1.0
    torch.set_default_dtype(torch.float64)
    try:
        ours, theirs = Side("lucid", kwargs, sign), Side("torch", kwargs, sign)
        for step in range(1, 9):
            loss, their_loss = ours.step(), theirs.step()
            assert loss == pytest.approx(their_loss, rel=1e-9, abs=1e-12), f"step {step}"
            for a, b in zip(ours.values(), theirs.values(), strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"step {step}")
            assert ours.counters() == theirs.counters(), f"step {step}"
    finally:
        torch.set_default_dtype(torch.float32)
    if kwargs == CASES[0]:
        # With the line search and 20 iterations per step it reaches the minimum at all ones.
        final = np.concatenate([v.ravel() for v in ours.values()])
        np.testing.assert_allclose(final, np.ones(8), atol=1e-4)


def test_lbfgs_state_dict_round_trip_continues_the_same_run() -> None:
    kwargs = {"line_search_fn": "strong_wolfe", "history_size": 4, "max_iter": 3}
    full = Side("lucid", kwargs)
    history = []
    for _ in range(6):
        full.step()
        history.append(full.values())

    first = Side("lucid", kwargs)
    for _ in range(3):
        first.step()
    saved = first.opt.state_dict()
    assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss"} <= set(saved["state"][0])

    resumed = Side("lucid", {**kwargs, "history_size": 50})
    for p, v in zip(resumed.params, first.values(), strict=True):
        with lucid.no_grad():
            p[...] = v
    resumed.opt.load_state_dict(saved)
    assert resumed.opt.param_groups[0]["history_size"] == 4
    for step in range(3, 6):
        resumed.step()
        for a, b in zip(resumed.values(), history[step], strict=True):
            np.testing.assert_array_equal(a, b)


def test_lbfgs_returns_at_once_at_a_minimum() -> None:
    side = Side("lucid", {})
    for p in side.params:
        with lucid.no_grad():
            p[...] = np.ones(p.shape)
    assert side.step() == 0.0
    assert side.counters() == (1, 0)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: optim.LBFGS(p, line_search_fn="wolfe"), ValueError,
         r"LBFGS: Invalid line_search_fn: 'wolfe' \(expected one of None, 'strong_wolfe'\)"),
        (lambda p: optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]), ValueError,
         "LBFGS doesn't support per-parameter options"),
        (lambda p: optim.LBFGS(p, lr=-1.0), ValueError, r"LBFGS: Invalid learning rate: -1.0 \(lr must be >= 0\)"),
        (lambda p: optim.LBFGS(p, max_iter=0), ValueError, r"LBFGS: Invalid max_iter: 0 \(max_iter must be a positive"),
        (lambda p: optim.LBFGS(p, history_size=2.5), ValueError, "Invalid history_size: 2.5"),
        (lambda p: optim.LBFGS(p).step(), TypeError, "LBFGS.step: expected a closure"),
    ],
)  # fmt: skip
def test_lbfgs_rejects_bad_input(make: Any, error: type, message: str) -> None:
    params = [lucid.zeros(2, requires_grad=True), lucid.zeros(3, requires_grad=True)]
    with pytest.raises(error, match=message):
        make(params)
