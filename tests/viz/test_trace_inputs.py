"""viz.trace's typed inputs (`input_dtypes`), train mode (`mode`), explicit `name`, and the trainable parameter count
a Trace records (kept in JSON and used by the summary)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lucid
import viz
from lucid import nn
from viz.ir import Trace
from viz.summary import summarise_trace
from viz.trace import TracingError


def _tokens_model() -> nn.Module:
    return nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 4))


class TwoTables(nn.Module):
    """Token and position embeddings with different table sizes: ids must fit the smaller one."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = nn.Embedding(100, 8)
        self.positions = nn.Embedding(7, 8)

    def forward(self, ids: lucid.Tensor) -> lucid.Tensor:
        return self.tokens(ids) + self.positions(ids)


class MaskedTokens(nn.Module):
    """Token ids and a float mask, the mask scaling each token's vector."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 6)
        self.proj = nn.Linear(6, 3)

    def forward(self, ids: lucid.Tensor, mask: lucid.Tensor) -> lucid.Tensor:
        return self.proj(self.embed(ids) * mask.unsqueeze(-1))


def _inputs_seen(model: nn.Module, module: nn.Module, **kwargs) -> list[np.ndarray]:
    """Trace `model` and return the arrays `module` was called with (its first call)."""
    seen: list[np.ndarray] = []

    def hook(mod: nn.Module, args: tuple) -> None:
        if not seen:
            seen.extend(arg.numpy().copy() for arg in args)

    handle = module.register_forward_pre_hook(hook)
    try:
        viz.trace(model, **kwargs)
    finally:
        handle.remove()
    return seen


# ---- input_dtypes ---------------------------------------------------------------------------------------------


def test_an_embedding_model_traces_on_token_ids_real_and_shape_only() -> None:
    real = viz.trace(_tokens_model(), (2, 7), input_dtypes="int64")
    meta = viz.trace(_tokens_model(), (2, 7), input_dtypes="int64", meta=True)
    built_meta = viz.trace_shapes(_tokens_model, (2, 7), input_dtypes="int64")
    assert real.output_shapes == [(2, 7, 4)]
    assert [(c.path, c.input_shapes, c.output_shapes) for c in real.calls] == [
        ("", [(2, 7)], [(2, 7, 4)]),
        ("0", [(2, 7)], [(2, 7, 16)]),
        ("1", [(2, 7, 16)], [(2, 7, 4)]),
    ]
    assert meta == real and built_meta == real
    # Float ids are what an Embedding refuses: without input_dtypes the forward fails, naming the lookup.
    with pytest.raises(TracingError, match="indices must be integers"):
        viz.trace(_tokens_model(), (2, 7))


def test_integer_inputs_are_seeded_ids_below_the_smallest_table() -> None:
    model = TwoTables()
    (ids,) = _inputs_seen(model, model.tokens, input_shape=(4, 64), input_dtypes="int64")
    assert ids.dtype == np.int64 and ids.shape == (4, 64)
    # Every id fits the 7-row position table, and the whole range is used.
    assert ids.min() == 0 and ids.max() == 6
    (again,) = _inputs_seen(model, model.tokens, input_shape=(4, 64), input_dtypes=lucid.int64)
    assert np.array_equal(again, ids)
    (small,) = _inputs_seen(model, model.tokens, input_shape=(4, 64), input_dtypes="int32")
    assert small.dtype == np.int32 and small.max() <= 6


def test_integer_inputs_without_an_embedding_are_zeros_and_ones() -> None:
    class ClassLabels(nn.Module):
        def forward(self, labels: lucid.Tensor) -> lucid.Tensor:
            return labels * 2

    model = ClassLabels()
    (labels,) = _inputs_seen(model, model, input_shape=(64,), input_dtypes="int64")
    assert labels.dtype == np.int64 and sorted(set(labels.tolist())) == [0, 1]


def test_float_inputs_are_unchanged_by_naming_float32() -> None:
    model = nn.Linear(5, 2)
    (default,) = _inputs_seen(model, model, input_shape=(3, 5))
    (named,) = _inputs_seen(model, model, input_shape=(3, 5), input_dtypes="float32")
    assert default.dtype == np.float32 and np.array_equal(default, named)
    (wide,) = _inputs_seen(model, model, input_shape=(3, 5), input_dtypes="float64")
    assert wide.dtype == np.float64 and not np.array_equal(wide, wide.round())


def test_several_inputs_take_one_dtype_each() -> None:
    model = MaskedTokens()
    shapes = ((2, 5), (2, 5))
    ids, mask = _inputs_seen(model, model, input_shape=shapes, input_dtypes=("int64", "float32"))
    assert ids.dtype == np.int64 and 0 <= ids.min() and ids.max() < 50
    assert mask.dtype == np.float32 and not np.array_equal(mask, mask.round())
    real = viz.trace(model, shapes, input_dtypes=("int64", "float32"))
    meta = viz.trace_shapes(MaskedTokens, shapes, input_dtypes=("int64", "float32"))
    assert real.output_shapes == [(2, 5, 3)] and [p.shapes for p in real.inputs] == [[(2, 5)], [(2, 5)]]
    assert meta == real

    class PairOfIds(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(10, 4)

        def forward(self, first: lucid.Tensor, second: lucid.Tensor) -> lucid.Tensor:
            return self.embed(first) - self.embed(second)

    pair = PairOfIds()
    # One name applies to every input; the inputs are drawn one after the other, so they differ.
    first, second = _inputs_seen(pair, pair, input_shape=((3, 8), (3, 8)), input_dtypes="int32")
    assert first.dtype == second.dtype == np.int32 and not np.array_equal(first, second)
    assert max(first.max(), second.max()) < 10


@pytest.mark.parametrize(
    ("input_dtypes", "message"),
    [
        ("int8", r"'int8'.*float32, float64, float16, int64, int32"),
        ("float", r"'float'.*use one of"),
        (("int64",), r"names 1 dtype\(s\) for 2 input shape\(s\)"),
        (("int64", "float32", "int64"), r"names 3 dtype\(s\) for 2"),
        (("int64", 7), r"has 7, not a dtype"),
    ],
)
def test_bad_input_dtypes_are_refused_naming_the_value_and_the_choices(input_dtypes: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        viz.trace(MaskedTokens(), ((2, 5), (2, 5)), input_dtypes=input_dtypes)


def test_input_dtypes_of_the_wrong_kind_or_with_given_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match="input_dtypes must be a dtype name"):
        viz.trace(_tokens_model(), (2, 7), input_dtypes=64)
    with pytest.raises(ValueError, match="given inputs keep their own dtypes"):
        viz.trace(_tokens_model(), inputs=lucid.zeros(2, 7, dtype="int64"), input_dtypes="int64")


# ---- mode -----------------------------------------------------------------------------------------------------


def _random_state() -> dict:
    return lucid.random.generator().bit_generator.state


def _output_of(model: nn.Module, **kwargs) -> np.ndarray:
    captured: list[np.ndarray] = []
    handle = model.register_forward_hook(lambda mod, args, out: captured.append(out.numpy().copy()))
    try:
        viz.trace(model, **kwargs)
    finally:
        handle.remove()
    return captured[0]


def test_train_mode_runs_dropout_and_restores_the_random_state() -> None:
    model = nn.Sequential(nn.Linear(8, 256), nn.Dropout(0.5))
    before = _random_state()
    evaluated = _output_of(model, input_shape=(4, 8))
    trained = _output_of(model, input_shape=(4, 8), mode="train")
    assert _random_state() == before
    dropped = trained == 0
    # About half the values are zeroed; the rest are the eval output scaled by 1 / (1 - p).
    assert 0.3 < dropped.mean() < 0.7
    np.testing.assert_allclose(trained[~dropped], 2 * evaluated[~dropped], rtol=1e-6)
    assert np.array_equal(_output_of(model, input_shape=(4, 8)), evaluated)


def test_train_mode_normalizes_by_batch_statistics_and_leaves_the_running_ones() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    norm = model[1]
    norm.running_mean._data[...] = 5.0  # far from any batch's mean, so the two modes cannot agree by chance
    stats = [b.numpy().copy() for b in (norm.running_mean, norm.running_var, norm.num_batches_tracked)]
    trained = _output_of(model, input_shape=(8, 3, 6, 6), mode="train")
    evaluated = _output_of(model, input_shape=(8, 3, 6, 6))
    np.testing.assert_allclose(trained.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    assert np.all(evaluated.mean(axis=(0, 2, 3)) < -3)  # eval subtracts the running mean of 5
    after = [b.numpy() for b in (norm.running_mean, norm.running_var, norm.num_batches_tracked)]
    assert all(np.array_equal(a, b) for a, b in zip(after, stats, strict=True))
    # Shape-only train mode gives the same Trace as the real one.
    shape_only = viz.trace_shapes(
        lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)), (8, 3, 6, 6), mode="train"
    )
    assert shape_only == viz.trace(model, (8, 3, 6, 6), mode="train")


def test_every_module_trains_during_the_forward_and_each_flag_comes_back() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.Dropout(0.1), nn.ReLU()), nn.Linear(4, 2))
    model.train()
    model[1].eval()  # a submodule in eval under a training parent
    before = [(name, m.training) for name, m in model.named_modules()]
    during: dict[str, list[bool]] = {"eval": [], "train": []}
    for mode in ("eval", "train"):
        handles = [
            m.register_forward_pre_hook(lambda mod, args, mode=mode: during[mode].append(mod.training))
            for m in model.modules()
        ]
        viz.trace(model, (1, 4), mode=mode)
        for handle in handles:
            handle.remove()
        assert [(name, m.training) for name, m in model.named_modules()] == before
    assert during["train"] == [True] * 6 and during["eval"] == [False] * 6


def test_flags_come_back_when_a_train_mode_forward_fails() -> None:
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(3, 2))
    model.eval()
    with pytest.raises(TracingError, match="1: "):
        viz.trace(model, (1, 5), mode="train")
    assert [m.training for m in model.modules()] == [False, False, False]


@pytest.mark.parametrize("mode", ["training", "Eval", "", None, True])
def test_a_bad_mode_is_refused(mode: object) -> None:
    with pytest.raises(ValueError, match="mode must be 'eval' or 'train'"):
        viz.trace(nn.Linear(3, 2), (1, 3), mode=mode)


# ---- name -----------------------------------------------------------------------------------------------------


def test_name_sets_the_model_name_and_defaults_to_the_model_s_own() -> None:
    assert viz.trace(_tokens_model(), (1, 3), input_dtypes="int64").model_name == "Sequential"
    assert viz.trace(_tokens_model(), (1, 3), input_dtypes="int64", name="token head").model_name == "token head"
    assert viz.trace_shapes(_tokens_model, (1, 3), input_dtypes="int64", name="tok").model_name == "tok"
    assert viz.trace_shapes("efficientformer_l1", name="L1").model_name == "L1"
    assert viz.trace_shapes("efficientformer_l1").model_name == "efficientformer_l1"
    with pytest.raises(TracingError) as failure:
        viz.trace(nn.Linear(3, 2), (1, 5), name="broken head")
    assert failure.value.partial.model_name == "broken head"


@pytest.mark.parametrize(("name", "error"), [("", ValueError), ("  ", ValueError), (3, TypeError)])
def test_a_bad_name_is_refused(name: object, error: type) -> None:
    with pytest.raises(error, match="name must be"):
        viz.trace(nn.Linear(3, 2), (1, 3), name=name)


# ---- trainable parameters -------------------------------------------------------------------------------------


class Tied(nn.Module):
    """An encoder and decoder sharing one weight matrix (registered twice), and a frozen projection."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(6, 6, bias=False)
        self.decoder = nn.Linear(6, 6)
        self.decoder.weight = self.encoder.weight
        self.frozen = nn.Linear(6, 2)
        for param in self.frozen.parameters():
            param.requires_grad = False

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.frozen(self.decoder(self.encoder(x)))


def test_trainable_params_leave_out_a_frozen_submodule() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 3))
    for param in model[0].parameters():
        param.requires_grad = False
    traced = viz.trace(model, (1, 4))
    assert traced.modules[0].total_params == 40 + 27
    assert traced.trainable_params == 27
    assert viz.trace(model, (1, 4), meta=True).trainable_params == 27


def test_trainable_params_count_a_shared_parameter_once() -> None:
    model = Tied()
    traced = viz.trace(model, (1, 6))
    assert traced.modules[0].total_params == 36 + 6 + 14
    assert traced.trainable_params == 36 + 6 == sum(p.size for p in model.parameters() if p.requires_grad)
    assert viz.trace_shapes(Tied, (1, 6)).trainable_params == 42


def test_the_summary_takes_the_trainable_count_from_the_trace() -> None:
    traced = viz.trace(Tied(), (1, 6))
    s = summarise_trace(traced)
    assert (s.total_params, s.trainable_params) == (56, 42)
    assert "Non-trainable params: 14" in str(s)
    assert summarise_trace(traced, trainable_params=5).trainable_params == 5  # the caller's count wins
    assert viz.summary(Tied(), input_shape=(1, 6)).trainable_params == 42


def test_json_keeps_the_trainable_count_and_older_files_load_without_it() -> None:
    traced = viz.trace(Tied(), (1, 6))
    data = json.loads(traced.to_json())
    assert data["trainable_params"] == 42 and data["version"] == 2
    assert Trace.from_json(traced.to_json()) == traced
    # A version 2 file written before the count was recorded: it loads, and the summary says it does not know.
    del data["trainable_params"]
    older = Trace.from_dict(data)
    assert older.trainable_params is None and older.modules == traced.modules
    assert "Trainable params:     unknown" in str(summarise_trace(older))
    assert "trainable_params" not in older.to_dict()
    for bad in (-1, True, "42", None):
        data["trainable_params"] = bad
        with pytest.raises(ValueError, match="trainable_params"):
            Trace.from_dict(data)
