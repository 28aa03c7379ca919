"""Traces in several threads at once give exactly the traces they give one after the other, disturb no other
thread (its grad mode, shape-only mode, random draws, training) and leave nothing installed when they end."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator

import dataflow_models as models
import numpy as np
import pytest
from user_models import Broken, SmallCNN, TupleNet

import lucid
import viz
from lucid import nn
from lucid.autograd.function import get_op_observer, get_op_tracker
from viz.process_settings import collector_paused, recursion_room
from viz.recorder import CallRecorder
from viz.trace import TracingError

THREADS = 6
ROUNDS = 4


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    """Hand the interpreter between threads every few microseconds, so that traces interleave op by op."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


class DistilledHeads(nn.Module):
    """Two heads, as in distilled vision transformers: both returned in training mode, their mean in eval mode."""

    def __init__(self) -> None:
        super().__init__()
        self.body = models.TinyResNet(num_classes=8)
        self.head = nn.Linear(8, 3)
        self.head_dist = nn.Linear(8, 3)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor | tuple[lucid.Tensor, lucid.Tensor]:
        features = self.body(x)
        head, dist = self.head(features), self.head_dist(features)
        return (head, dist) if self.training else (head + dist) / 2


def _failed_trace(model: nn.Module) -> str:
    with pytest.raises(TracingError) as caught:
        viz.trace(model, (2, 4))
    return f"{caught.value}\n{caught.value.partial.to_json()}"


def _cases(shared: nn.Module) -> dict[str, Callable[[], str]]:
    """Each case traces a model of its own, but "shared model" traces `shared`, which every thread traces."""
    resnet, unet, inception = models.TinyResNet(), models.UNet(), models.InceptionNet()
    noisy, split, broken = SmallCNN(), TupleNet(), Broken()
    one_input, net_a, net_b = lucid.randn(1, 3, 16, 16), models.TinyResNet(), models.InceptionNet()
    return {
        "one input, first model": lambda: viz.trace(net_a, inputs=one_input).to_json(),
        "one input, second model": lambda: viz.trace(net_b, inputs=one_input).to_json(),
        "efficientformer_l1 shapes": lambda: viz.trace_shapes("efficientformer_l1").to_json(),
        "resnet": lambda: viz.trace(resnet, (1, 3, 16, 16)).to_json(),
        "unet meta": lambda: viz.trace(unet, (1, 3, 16, 16), meta=True).to_json(),
        "inception": lambda: viz.trace(inception, (1, 3, 16, 16)).to_json(),
        "noise in train mode": lambda: viz.trace(noisy, (2, 3, 8, 8), mode="train").to_json(),
        "keywords and tuples": lambda: viz.trace(split, (2, 8), keep=3).to_json(),
        "failing forward": lambda: _failed_trace(broken),
        "shared model": lambda: viz.trace(shared, (1, 3, 16, 16)).to_json(),
    }


def _run_threads(work: list[Callable[[], None]]) -> None:
    """Start every piece of work at once, wait for all, and re-raise the first error any of them raised."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(piece: Callable[[], None]) -> None:
        start.wait()
        try:
            piece()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(piece,)) for piece in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _thread_state() -> tuple:
    return (
        lucid.is_grad_enabled(),
        lucid.is_meta_mode(),
        get_op_tracker(),
        get_op_observer(),
        nn.set_module_call_wrapper(None),
    )


CLEAN = (True, False, None, None, None)


def test_concurrent_traces_equal_sequential_traces_and_leave_nothing_installed() -> None:
    shared = DistilledHeads()  # in training mode, as built: each trace runs it in eval mode and switches it back
    cases = _cases(shared)
    expected = {name: case() for name, case in cases.items()}
    shared_flags = [m.training for m in shared.modules()]
    limit, collecting = sys.getrecursionlimit(), gc.isenabled()
    results: dict[int, list[tuple[str, str]]] = {}
    states: dict[int, tuple] = {}

    def tracer(index: int) -> Callable[[], None]:
        order = list(cases)[index:] + list(cases)[:index]  # each thread its own order

        def run() -> None:
            results[index] = [(name, cases[name]()) for _ in range(ROUNDS) for name in order]
            states[index] = _thread_state()

        return run

    _run_threads([tracer(i) for i in range(THREADS)])
    for index in range(THREADS):
        assert states[index] == CLEAN
        assert len(results[index]) == ROUNDS * len(cases)
        for name, got in results[index]:
            assert got == expected[name], f"thread {index}: {name} differs from its sequential trace"
    assert _thread_state() == CLEAN
    assert (sys.getrecursionlimit(), gc.isenabled()) == (limit, collecting)
    assert [m.training for m in shared.modules()] == shared_flags
    # No recorder outlives its trace, so later ordinary forwards log nothing anywhere.
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is CallRecorder]


def test_threads_tracing_one_model_at_once_each_see_it_in_the_mode_they_asked_for() -> None:
    shared = DistilledHeads()
    expected = {mode: viz.trace(shared, (1, 3, 16, 16), mode=mode).to_json() for mode in ("eval", "train")}
    got: list[tuple[str, str]] = []

    def tracer(mode: str) -> Callable[[], None]:
        return lambda: got.extend((mode, viz.trace(shared, (1, 3, 16, 16), mode=mode).to_json()) for _ in range(4))

    _run_threads([tracer(("eval", "train")[i % 2]) for i in range(THREADS)])
    assert len(got) == 4 * THREADS
    assert all(trace == expected[mode] for mode, trace in got)
    assert all(module.training for module in shared.modules())


def _train(model: nn.Module, more: Callable[[int], bool]) -> list[float]:
    """SGD steps on fixed data while `more(steps so far)`; the losses."""
    data = np.random.default_rng(1)
    x = lucid.tensor(data.standard_normal((16, 8)).astype(np.float32))
    y = lucid.tensor(data.integers(0, 3, 16))
    optimizer = lucid.optim.SGD(model.parameters(), lr=0.1)
    losses: list[float] = []
    while more(len(losses)):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _classifier() -> nn.Module:
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


def test_training_in_one_thread_while_others_trace_is_as_training_alone() -> None:
    cases = _cases(DistilledHeads())
    lucid.random.seed(5)
    together = _classifier()
    losses: list[float] = []
    tracers_done = threading.Semaphore(0)

    def training() -> None:
        # Train for as long as the traces run (and at least a few steps).
        losses.extend(_train(together, lambda steps: steps < 5 or not tracers_done.acquire(blocking=False)))

    def tracer(names: list[str]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(ROUNDS):
                for name in names:
                    cases[name]()
            tracers_done.release()

        return run

    _run_threads([training, tracer(["noise in train mode", "efficientformer_l1 shapes"])])
    lucid.random.seed(5)
    alone = _classifier()
    losses_alone = _train(alone, lambda steps: steps < len(losses))
    # Dropout draws from the shared generator: the traces' draws (in train mode, and the noise layer's) come from
    # forks of their own, so the training sees exactly the numbers it sees alone.
    assert losses == losses_alone
    for mine, reference in zip(together.parameters(), alone.parameters(), strict=True):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())


def test_shape_only_tracing_leaves_other_threads_tensors_real() -> None:
    made: list[bool] = []
    done = threading.Event()

    def shapes() -> None:
        try:
            for _ in range(ROUNDS):
                viz.trace_shapes("efficientformer_l1")
        finally:
            done.set()

    def creating() -> None:
        while not done.is_set() or not made:
            made.append(lucid.zeros(4, 4).is_meta or lucid.randn(3).is_meta)

    _run_threads([shapes, creating])
    assert made and not any(made)


@pytest.mark.parametrize("ends_first", [0, 1])
def test_interleaved_traces_put_the_recursion_limit_and_collector_back_once_the_last_ends(ends_first: int) -> None:
    limit, collecting = sys.getrecursionlimit(), gc.isenabled()
    extras = (300, 100)
    entered = [threading.Event(), threading.Event()]
    leave = [threading.Event(), threading.Event()]
    left = [threading.Event(), threading.Event()]
    seen: dict[str, tuple[int, bool]] = {}

    def trace_like(index: int) -> Callable[[], None]:
        def run() -> None:
            with collector_paused(), recursion_room(extras[index]) as before:
                assert before == limit
                entered[index].set()
                leave[index].wait()
            left[index].set()

        return run

    def conductor() -> None:
        for event in entered:
            event.wait()
        seen["both running"] = (sys.getrecursionlimit(), gc.isenabled())
        leave[ends_first].set()
        left[ends_first].wait()
        seen["one running"] = (sys.getrecursionlimit(), gc.isenabled())
        leave[1 - ends_first].set()

    _run_threads([trace_like(0), trace_like(1), conductor])
    assert seen["both running"] == (limit + 300, False)
    assert seen["one running"] == (limit + extras[1 - ends_first], False)
    assert (sys.getrecursionlimit(), gc.isenabled()) == (limit, collecting)
