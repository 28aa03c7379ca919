"""`trace`: run one forward of a lucid model under a module-call wrapper and record it as a plain-data `Trace`.

This is the only part of lucid-viz that knows lucid; everything downstream reads the Trace.
Tracing leaves the model as it was: parameters, buffers, submodules, plain attributes and training flags are
restored, no autograd graph is built, the random generator is not advanced, and the call wrapper and the op tracker
(viz.recorder: calls, MACs, where each tensor came from) are removed even when the forward raises.
All of the state a trace installs is the tracing thread's own (lucid/_thread_state.py): traces in several threads at
once give the traces they give one after another, and other threads' forwards and training run undisturbed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import lucid
from lucid import Tensor, nn
from lucid._structure import journal, undo
from lucid.autograd.function import get_op_tracker, set_op_tracker
from viz.exclusive import held_exclusively
from viz.ir import ModuleNode, Port, Shape, Trace, TraceError, collect_shapes
from viz.module_tree import module_tree
from viz.process_settings import collector_paused, recursion_room
from viz.recorder import CallRecorder, Replay, tensors_in
from viz.trace_inputs import input_dtypes_for, input_shapes_for, new_inputs

MODES = ("eval", "train")


class TracingError(ValueError):
    """The forward raised; `partial` holds the trace up to the failing call (its `error` says where)."""

    def __init__(self, message: str, partial: Trace) -> None:
        super().__init__(message)
        self.partial = partial


def model_name_of(model: nn.Module) -> str:
    """The chart title: the registered factory name when the model has one, else its class name."""
    return str(getattr(model, "model_name", None) or type(model).__name__)


def _shape_of(value: object) -> Shape | None:
    return tuple(value.shape) if isinstance(value, Tensor) else None


def trace(
    model: nn.Module,
    input_shape: Any = None,
    inputs: Any = None,
    meta: bool = False,
    *,
    input_dtypes: Any = None,
    mode: str = "eval",
    name: str | None = None,
    **forward_kwargs: Any,
) -> Trace:
    """Run `model` once, every module call recorded, and return what happened as a `Trace`.

    Give `input_shape` (one shape, or a tuple of shapes for several inputs; random data is
    made), or `inputs` (a tensor or a tuple of positional inputs), or neither to use the
    model's `default_input_shape`. Extra keyword arguments go to the model's forward.
    With `meta=True` the inputs made from shapes are meta tensors (see lucid.shape_only): every op
    computes only its output's shape, and the Trace (shapes, parameters, MACs) is the same as a
    real forward's. `trace_shapes` also builds the model without weight memory.

    `input_dtypes` gives the inputs made from shapes their dtypes: one name for all or one per shape, from
    `viz.trace_inputs.INPUT_DTYPES` (default float32). Integer inputs are ids below the smallest `nn.Embedding`
    table's size (below 2 when the model has none). `mode="train"` runs the forward with every module in training
    mode (dropout drops, batch norms use the batch's statistics); the flags, buffers and random state are restored
    afterwards either way. `name` is the Trace's `model_name` (default: `model_name_of(model)`).

    >>> t = viz.trace(lucid.models.efficientformer_l1())
    >>> t.output_shapes
    [(1, 1000)]
    >>> tokens = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 4))
    >>> viz.trace(tokens, (2, 7), input_dtypes="int64", name="tokens").output_shapes
    [(2, 7, 4)]

    Raises `TracingError` (a ValueError) naming the failing module's path and input shapes;
    its `.partial` is the trace up to that point.
    """
    # A trace makes a few thousand small objects that either live on in the Trace or die by reference count (the
    # log), so the cyclic collector has nothing to find in them; left running, it paused the forward for them
    # three or four times a trace. It is paused for the trace, as timeit does, and resumed after.
    with collector_paused():
        return _trace(model, input_shape, inputs, meta, input_dtypes, mode, name, forward_kwargs)


def _trace(
    model: nn.Module,
    input_shape: Any,
    inputs: Any,
    meta: bool,
    input_dtypes: Any,
    mode: str,
    name: str | None,
    forward_kwargs: dict[str, Any],
) -> Trace:
    if not isinstance(model, nn.Module):
        raise TypeError(f"trace() needs a lucid nn.Module, got {type(model).__name__}")
    if inputs is not None and input_shape is not None:
        raise ValueError("give input_shape or inputs, not both")
    if inputs is not None and input_dtypes is not None:
        raise ValueError("input_dtypes is for inputs made from input_shape; the given inputs keep their own dtypes")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"trace(): mode must be 'eval' or 'train', got {mode!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"trace(): name must be a string (the chart title), got {type(name).__name__}")
    if name is not None and not name.strip():
        raise ValueError(f"trace(): name must be a non-empty string (the chart title), got {name!r}")
    if name is None:
        name = model_name_of(model)
    # Checked before the forward's state is touched; the inputs themselves are made once the tree is known.
    shapes = input_shapes_for(model, input_shape) if inputs is None else ()
    dtypes = input_dtypes_for(input_dtypes, len(shapes)) if inputs is None else []

    # One walk of the tree serves the Trace's modules, the state to save and restore, and the integer inputs' range.
    tree = module_tree(model)
    modules = tree[1]
    if inputs is None:
        args = new_inputs(shapes, dtypes, meta, modules)
    else:
        args = inputs if isinstance(inputs, tuple) else (inputs,)
    input_ports = _input_ports(args, forward_kwargs)
    given = [tensor for _, tensors in input_ports for tensor in tensors]
    with held_exclusively([*modules, *given]):
        return _traced_forward(model, args, forward_kwargs, input_ports, mode, name, tree)


def _traced_forward(
    model: nn.Module,
    args: tuple,
    forward_kwargs: dict[str, Any],
    input_ports: list[tuple[str, list[Tensor]]],
    mode: str,
    name: str,
    tree: tuple[list[ModuleNode], list[nn.Module], dict[int, str], int, list[Tensor]],
) -> Trace:
    """The forward under the recorder (`tree` is module_tree's), with everything it could change saved first and
    put back after."""
    nodes, modules, paths, trainable, buffers = tree
    recorder = CallRecorder()
    # Eval mode by default: shapes do not depend on the mode, and eval neither draws random numbers nor updates
    # statistics; train mode runs dropout and batch statistics as training does. The flags are set directly, as
    # they are restored below (user train() overrides are not needed for a trace), each to what it was: a
    # submodule left in eval under a training parent stays so.
    # The forward runs on copies of the buffers and the originals go back afterwards, untouched whatever the
    # forward writes. Meta buffers have no values for a forward to change.
    training = mode == "train"
    flags = [module.training for module in modules]
    for module, flag in zip(modules, flags, strict=True):
        if flag is not training:
            object.__setattr__(module, "training", training)
    saved_buffers: list[tuple[Tensor, np.ndarray]] = []
    for buffer in buffers:
        if not buffer.is_meta:
            saved_buffers.append((buffer, buffer._data))
            buffer._data = buffer._data.copy()
    given = [tensor for _, tensors in input_ports for tensor in tensors]
    given_origins = [tensor._origin for tensor in given]
    recorder.tag_inputs([tensors for _, tensors in input_ports])
    recorder.previous_wrapper = nn.set_module_call_wrapper(recorder.wrap)
    recorder.track_after(get_op_tracker())
    set_op_tracker(recorder)
    # The call wrapper adds two Python frames per level of the module tree: room for them, so a model that runs
    # runs traced too (the limit goes back afterwards).
    depth = max(node.path.count(".") + 1 for node in nodes)
    # What the forward changes in the model's tables (a rebound buffer, a replaced submodule, a parameter's data)
    # is put back afterwards. Eval mode stops dropout from drawing, but train mode does, and any forward may
    # (noise layers, lucid.randn, a reseed): it draws from a fork of the generator, which other threads never see.
    with journal() as written, recursion_room(2 * depth + 50) as limit:
        try:
            with lucid.no_grad(), lucid.random.fork_rng():
                output = model(*args, **forward_kwargs)
        except RecursionError:
            replay = recorder.replay(paths)
            too_deep = RecursionError(
                f"the forward went deeper than Python's recursion limit ({limit}, raised to "
                f"{sys.getrecursionlimit()} for the trace) in a model nested {depth} modules deep; raise it with "
                "sys.setrecursionlimit"
            )
            raise _failure(name, trainable, nodes, replay, input_ports, too_deep) from None
        except Exception as exc:
            replay = recorder.replay(paths)
            raise _failure(name, trainable, nodes, replay, input_ports, exc) from exc
        finally:
            undo(written)
            set_op_tracker(recorder.previous_tracker)
            nn.set_module_call_wrapper(recorder.previous_wrapper)
            for module, flag in zip(modules, flags, strict=True):
                if module.training is not flag:
                    object.__setattr__(module, "training", flag)
            # module_tree lists a buffer shared by two modules once, so each original goes back once.
            for buffer, data in reversed(saved_buffers):
                buffer._data = data
            # Tags mean nothing outside this trace: the user's tensors and the model's buffers keep none.
            for tensor, origin in zip(given, given_origins, strict=True):
                tensor._origin = origin
            for buffer in buffers:
                buffer._origin = None
    replay = recorder.replay(paths)
    ports = _ports(input_ports)
    dtypes = [tensor.dtype.name for tensor in given]
    return Trace(
        model_name=name,
        input_shapes=[shape for port in ports for shape in port.shapes],
        output_shapes=collect_shapes(output, _shape_of),
        modules=nodes,
        calls=replay.calls,
        provenance=True,
        inputs=ports,
        outputs=_output_ports(output, replay),
        merges=replay.merges,
        trainable_params=trainable,
        input_dtypes=dtypes if any(dtype != "float32" for dtype in dtypes) else [],
    )


def _input_ports(args: tuple, kwargs: dict[str, Any]) -> list[tuple[str, list[Tensor]]]:
    """The model's inputs that hold tensors: each positional argument, then each keyword argument, with its
    tensors; a lone positional argument is named "" (the chart's `input`), the others by position or keyword."""
    ports = [(str(i), tensors_in(arg)) for i, arg in enumerate(args)]
    ports += [(key, tensors_in(value)) for key, value in kwargs.items()]
    ports = [(name, tensors) for name, tensors in ports if tensors]
    if len(ports) == 1 and ports[0][0] == "0":
        ports = [("", ports[0][1])]
    return ports


def _ports(ports: list[tuple[str, list[Tensor]]]) -> list[Port]:
    return [Port(name, [tuple(t.shape) for t in tensors]) for name, tensors in ports]


def _output_ports(output: Any, replay: Replay) -> list[Port]:
    """The whole output as one port when it is a tensor, else one port per tuple or list item, or per dict key."""
    if isinstance(output, Tensor):
        items: list[tuple[str, Any]] = [("", output)]
    elif isinstance(output, dict):
        items = [(str(key), value) for key, value in output.items()]
    elif isinstance(output, (tuple, list)):
        items = [(str(i), value) for i, value in enumerate(output)]
    else:
        items = []
    ports = []
    for name, value in items:
        tensors = tensors_in(value)
        if tensors:
            sources = [replay.source(t._origin) for t in tensors]
            ports.append(Port(name, [tuple(t.shape) for t in tensors], sources))
    return ports


def trace_shapes(
    model: str | Callable[[], nn.Module] | nn.Module,
    input_shape: Any = None,
    *,
    input_dtypes: Any = None,
    mode: str = "eval",
    name: str | None = None,
    **forward_kwargs: Any,
) -> Trace:
    """Shape-only tracing: build the model under `lucid.meta()` (no weight memory, no random draws) and trace it
    on meta inputs. `model` is a source (see viz.sources: a registered name, `package.module:attr`,
    `path/to/file.py:attr`), a function that builds the model, or a model (traced as it is). `input_dtypes`, `mode`
    and `name` are as for `trace`.

    The Trace equals `trace(model, input_shape)` of the same model, but takes milliseconds and next to no memory
    whatever the model and batch size.

    >>> viz.trace_shapes("efficientformer_l7", (256, 3, 224, 224)).output_shapes
    [(256, 1000)]
    """
    if isinstance(model, str):
        from viz.sources import resolve

        source = resolve(model, meta=True)  # an unknown name is a ValueError listing the registered ones
        if source.model is None:
            raise ValueError(f"trace_shapes({model!r}): a saved trace is already traced; load it with viz.Trace")
        shape = input_shape if input_shape is not None else source.default_input_shape
        return trace(
            source.model,
            shape,
            meta=True,
            input_dtypes=input_dtypes,
            mode=mode,
            name=name or source.name,
            **forward_kwargs,
        )
    if isinstance(model, nn.Module):
        return trace(model, input_shape, meta=True, input_dtypes=input_dtypes, mode=mode, name=name, **forward_kwargs)
    elif callable(model):
        build = model
    else:
        raise TypeError(
            f"trace_shapes() needs a registered model name, a function that builds a model or a model, "
            f"got {type(model).__name__}"
        )
    with lucid.meta():
        built = build()
    if not isinstance(built, nn.Module):
        raise TypeError(f"trace_shapes(): the model factory returned {type(built).__name__}, not a lucid nn.Module")
    return trace(built, input_shape, meta=True, input_dtypes=input_dtypes, mode=mode, name=name, **forward_kwargs)


def _short_path(path: str, keep: int = 3) -> str:
    """`path` for a one-line message: in a model nested hundreds deep, its first and last `keep` names around a
    count of the ones left out (the partial Trace keeps the whole path)."""
    names = path.split(".")
    if len(names) <= 2 * keep + 1:
        return path
    return ".".join([*names[:keep], f"…({len(names) - 2 * keep} more)…", *names[-keep:]])


def _failure(
    name: str,
    trainable: int,
    nodes: list[ModuleNode],
    replay: Replay,
    input_ports: list[tuple[str, list[Tensor]]],
    exc: Exception,
) -> TracingError:
    failing = replay.failing
    ports = _ports(input_ports)
    given = [shape for port in ports for shape in port.shapes]
    path = failing.path if failing is not None else ""
    shapes = failing.input_shapes if failing is not None else given
    reason = str(exc) or type(exc).__name__
    # The root has no path to add, and a message that already starts with the path names itself.
    message = reason if not path or reason.startswith(path) else f"{_short_path(path)}: {reason}"
    shape_text = ", ".join("(" + ",".join(map(str, s)) + ")" for s in shapes)
    partial = Trace(
        model_name=name,
        input_shapes=given,
        output_shapes=[],
        modules=nodes,
        calls=replay.calls,
        error=TraceError(path, reason, shapes),
        provenance=True,
        inputs=ports,
        merges=replay.merges,
        trainable_params=trainable,
    )
    return TracingError(f"{message} (input shapes {shape_text})", partial)
