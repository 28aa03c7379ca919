"""Every op and layer of the PyTorch parity tables, timed against its PyTorch twin on the same shapes.

Run: `python bench/ops.py [--top N] [--filter TEXT] [--forward-only]`. For each case of the parity tables
(`LAYER_CASES` and `OP_CASES` of every tests/**/test_*parity*.py, see tests/parity.py), both sides run forward and
backward (sum of output * fixed weights) on the case's own inputs: the shapes the harness checks. Each side is
timed as the best of 5 rounds of enough calls to take ~20 ms, alternating libraries; the ratio is lucid / PyTorch.
Prints the worst N cases (10 by default) and how many exceed the issue-18 target of 2x. The shapes are small, so
the figures are mostly per-call cost (argument handling, graph bookkeeping), not arithmetic.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import argparse
import time
from collections.abc import Callable
from typing import Any

import _clean_env  # noqa: F401 - before NumPy loads: see bench/_clean_env.py
import numpy as np
from _common import header

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lucid  # noqa: E402
from tests.collect import load_test_module  # noqa: E402
from tests.parity import LayerCase, OpCase, build, concrete, copy_weights, leaves, randomize, torch  # noqa: E402

TARGET = 2.0
ROUND_SECONDS = 0.02


def _tables() -> tuple[list[LayerCase], list[OpCase]]:
    layers: list[LayerCase] = []
    ops: list[OpCase] = []
    for path in sorted((ROOT / "tests").rglob("test_*parity*.py")):
        if path.name == "test_parity_coverage.py":
            continue
        module = load_test_module(path, "_bench_")
        layers.extend(getattr(module, "LAYER_CASES", []))
        ops.extend(getattr(module, "OP_CASES", []))
    return layers, ops


def _step(run: Callable[[], Any], library: str, backward: bool) -> Callable[[], None]:
    """One call: the forward, then (if asked and possible) a backward from fixed weights on its float outputs."""
    outputs = [o for o in leaves(run()) if o.requires_grad]
    if not backward or not outputs:
        return lambda: leaves(run()) and None
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(o.shape)).astype(np.asarray(o.detach().numpy()).dtype) for o in outputs]
    wrap = lucid.tensor if library == "lucid" else torch.from_numpy

    def call() -> None:
        total = None
        for out, w in zip([o for o in leaves(run()) if o.requires_grad], weights, strict=True):
            term = (out * wrap(w)).sum()
            total = term if total is None else total + term
        total.backward()

    return call


def _best_per_call(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def compare(ours: Callable[[], None], theirs: Callable[[], None], rounds: int = 5) -> tuple[float, float]:
    """Best per-call seconds of each, measured in alternating rounds of calls sized to ~ROUND_SECONDS."""
    ours(), theirs()
    calls = max(1, int(ROUND_SECONDS / max(_best_per_call(ours, 3), _best_per_call(theirs, 3), 1e-7)))
    best_ours = best_theirs = float("inf")
    for _ in range(rounds):
        best_ours = min(best_ours, _best_per_call(ours, calls))
        best_theirs = min(best_theirs, _best_per_call(theirs, calls))
    return best_ours, best_theirs


def _layer_pair(case: LayerCase, backward: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    mode = case.modes[-1]  # eval where a case has both: no dropout draws to time
    ours, theirs = case.ours(), case.theirs()
    randomize(theirs)
    copy_weights(ours, theirs)
    ours.train(mode == "train")
    theirs.train(mode == "train")
    rng = np.random.default_rng(1)
    specs = [concrete(s, rng) for s in case.inputs]
    kw = {k: concrete(s, rng) for k, s in case.kwargs.items()}
    a = [build(s, "lucid") for s in specs]
    b = [build(s, "torch") for s in specs]
    ka = {k: build(s, "lucid") for k, s in kw.items()}
    kb = {k: build(s, "torch") for k, s in kw.items()}
    return _step(lambda: ours(*a, **ka), "lucid", backward), _step(lambda: theirs(*b, **kb), "torch", backward)


def _op_pair(case: OpCase, backward: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    specs = [concrete(s, np.random.default_rng(7)) for s in case.inputs]
    a = [build(s, "lucid") for s in specs]
    b = [build(s, "torch") for s in specs]
    return _step(lambda: case.ours(*a), "lucid", backward), _step(lambda: case.theirs(*b), "torch", backward)


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="how many of the slowest cases to list")
    parser.add_argument("--filter", default="", help="only cases whose label contains this text")
    parser.add_argument("--forward-only", action="store_true", help="time the forward alone")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    lucid.random.seed(0)
    layers, ops = _tables()
    pairs: list[tuple[str, Callable[[], tuple[Callable[[], None], Callable[[], None]]]]] = []
    for layer_case in layers:
        pairs.append((f"layer {layer_case.label}", lambda c=layer_case: _layer_pair(c, not args.forward_only)))
    for op_case in ops:
        pairs.append((f"{op_case.op}: {op_case.label}", lambda c=op_case: _op_pair(c, not args.forward_only)))
    results: list[tuple[float, str, float, float]] = []
    for label, make in pairs:
        if args.filter not in label:
            continue
        ours, theirs = make()
        t_ours, t_theirs = compare(ours, theirs)
        results.append((t_ours / t_theirs, label, t_ours, t_theirs))
    results.sort(reverse=True)
    what = "forward" if args.forward_only else "forward + backward"
    print(header())
    print(f"# {len(results)} parity cases, {what}, per call; lucid / PyTorch")
    for ratio, label, t_ours, t_theirs in results[: args.top]:
        print(f"{label[:70]:<70} lucid {1e6 * t_ours:9.1f} us  pytorch {1e6 * t_theirs:9.1f} us  ratio {ratio:5.2f}")
    over = sum(1 for r in results if r[0] > TARGET)
    ratios = np.array([r[0] for r in results])
    print(
        f"# median ratio {np.median(ratios):.2f}; {over} of {len(results)} cases over {TARGET:.1f}x "
        f"({'ok' if over == 0 else 'MISSED'})"
    )
    return over == 0


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
