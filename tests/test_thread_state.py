"""lucid's modes and hooks are per thread, as PyTorch's grad mode is: grad mode, shape-only mode, the op observer
and tracker, the module-call wrapper, the structure journal and a forked random generator set in one thread are
not seen by another, and a new thread starts from the defaults."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import lucid
from lucid import nn
from lucid._structure import journal
from lucid.autograd.function import get_op_observer, get_op_tracker, set_op_observer, set_op_tracker


def _in_thread(fn: Callable[[], Any]) -> Any:
    """Run `fn` in a new thread and return what it returned (re-raising what it raised)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _while_held(hold: Callable[[], Any], probe: Callable[[], Any]) -> Any:
    """Run `probe` in a second thread while this thread is inside the context manager `hold()`."""
    with hold():
        return _in_thread(probe)


def test_no_grad_in_one_thread_leaves_grad_on_in_another() -> None:
    w = lucid.ones(3, requires_grad=True)
    assert _while_held(lucid.no_grad, lambda: (w * 2).requires_grad) is True

    def turn_off_there() -> bool:
        lucid.set_grad_enabled(False)  # and the thread ends with it off
        return (w * 2).requires_grad

    assert _in_thread(turn_off_there) is False
    assert lucid.is_grad_enabled() and (w * 2).requires_grad


def test_a_new_thread_starts_with_grad_on_whatever_its_parent_set() -> None:
    lucid.set_grad_enabled(False)
    try:
        assert _in_thread(lucid.is_grad_enabled) is True
    finally:
        lucid.set_grad_enabled(True)


def test_meta_mode_in_one_thread_leaves_real_tensors_in_another() -> None:
    made = _while_held(lucid.meta, lambda: lucid.zeros(2, 3))
    assert not made.is_meta
    np.testing.assert_array_equal(made.numpy(), np.zeros((2, 3), np.float32))
    assert _while_held(lucid.meta, lucid.is_meta_mode) is False


def test_op_observer_and_tracker_see_only_their_own_threads_ops() -> None:
    observed: list[str] = []
    tracked: list[str] = []
    previous_observer = set_op_observer(lambda name, *rest: observed.append(name))
    previous_tracker = set_op_tracker(lambda op, *rest: tracked.append(op.op_name))
    try:
        seen_there = _in_thread(lambda: (get_op_observer(), get_op_tracker(), lucid.ones(2) + lucid.ones(2))[:2])
        assert seen_there == (None, None)
        assert observed == [] and tracked == []
        _ = lucid.ones(2) * lucid.ones(2)
        assert observed == ["Mul"] and tracked == ["mul"]
    finally:
        set_op_observer(previous_observer)
        set_op_tracker(previous_tracker)


def test_call_wrapper_wraps_only_its_own_threads_calls() -> None:
    calls: list[str] = []

    def wrapper(module: nn.Module, call: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        calls.append(type(module).__name__)
        return call(*args, **kwargs)

    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    previous = nn.set_module_call_wrapper(wrapper)
    try:
        _in_thread(lambda: net(lucid.ones(1, 2)))
        assert calls == []
        net(lucid.ones(1, 2))
        assert calls == ["Sequential", "Linear", "ReLU"]
        assert _in_thread(lambda: nn.set_module_call_wrapper(None)) is None
    finally:
        nn.set_module_call_wrapper(previous)


def test_an_open_journal_keeps_only_its_own_threads_changes() -> None:
    mine = nn.Sequential(nn.Linear(2, 2))
    theirs = nn.Sequential(nn.Linear(2, 2))
    with journal() as changes:
        _in_thread(lambda: theirs.append(nn.ReLU()))
        mine.append(nn.ReLU())
    owners = [owner for owner, _ in changes.values()]
    assert any(owner is mine._modules for owner in owners)
    # Nothing of the other thread's model: not its table, nor the ReLU it built and appended.
    theirs_parts = [theirs._modules, *(vars(module) for module in theirs.modules())]
    assert not [owner for owner in owners if any(owner is part for part in theirs_parts)]


def test_fork_rng_leaves_the_generator_for_every_thread() -> None:
    lucid.random.seed(3)
    expected = lucid.randn(4).numpy().copy()
    lucid.random.seed(3)
    with lucid.random.fork_rng():
        lucid.random.seed(99)  # reseeds the fork only
        _ = lucid.randn(10)
        # Another thread meanwhile draws from the shared generator, as if no fork were open.
        drawn_there = _in_thread(lambda: lucid.randn(4).numpy().copy())
    np.testing.assert_array_equal(drawn_there, expected)
    # The other thread's draw is kept: not rewound by the fork closing.
    lucid.random.seed(3)
    _ = lucid.randn(4)
    after_theirs = lucid.randn(4).numpy().copy()
    lucid.random.seed(3)
    with lucid.random.fork_rng():
        _ = lucid.randn(10)
    _ = lucid.randn(4)
    np.testing.assert_array_equal(lucid.randn(4).numpy(), after_theirs)


def test_fork_rng_nests_and_restores_after_an_error() -> None:
    before = lucid.random.get_state()
    try:
        with lucid.random.fork_rng():
            with lucid.random.fork_rng():
                _ = lucid.randn(3)
            _ = lucid.randn(3)
            raise KeyError("inside")
    except KeyError:
        pass
    assert lucid.random.get_state() == before


def test_kernels_in_several_threads_survive_a_change_of_thread_count() -> None:
    x = lucid.linspace(-4.0, 4.0, 400_000)  # several of the blocked kernels' blocks
    expected = nn.functional.gelu(x).numpy().copy()
    previous = lucid.get_num_threads()
    done = threading.Event()
    errors: list[BaseException] = []
    computed = threading.Semaphore(0)

    def compute() -> None:
        try:
            while not done.is_set():
                np.testing.assert_array_equal(nn.functional.gelu(x).numpy(), expected)
                computed.release()
        except BaseException as exc:  # re-raised below
            errors.append(exc)
            done.set()

    workers = [threading.Thread(target=compute) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        for count in [2, 3, 1, 4] * 10:
            lucid.set_num_threads(count)  # while the kernels run, and each time after one more has finished
            computed.acquire(timeout=10)
            if done.is_set():  # a worker failed
                break
    finally:
        done.set()
        for worker in workers:
            worker.join()
        lucid.set_num_threads(previous)
    assert not errors, errors[0]
