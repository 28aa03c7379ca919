"""`summary`: a torchinfo-style table of a model's modules with output shapes, parameters, MACs and memory.

Numbers come from the Trace: parameters from the module tree, MACs from the ops each call ran (see viz.macs for
what is counted), memory from output shapes at 4 bytes per element (float32, lucid's default dtype). A row covers a
module and everything below it; modules deeper than `depth` are folded into the row of their ancestor.

>>> import lucid.models, viz
>>> s = viz.summary(lucid.models.efficientformer_l1(), depth=1)
>>> round(s.total_macs / 1e9, 2), s.row("head").output_shapes
(1.3, [(1, 1000)])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from viz.ir import Shape, Trace
from viz.passes.tree import check_depth

ELEMENT_BYTES = 4  # float32: the trace keeps shapes, not dtypes


@dataclass(frozen=True)
class SummaryRow:
    """One module: where it sits, its first call's output shapes and how many calls it had, and its totals
    (parameters of its subtree, MACs and output bytes of all its calls, submodules included)."""

    path: str
    name: str
    class_name: str
    depth: int
    output_shapes: list[Shape]
    calls: int
    params: int
    macs: int
    output_bytes: int


@dataclass
class Summary:
    """The rows (pre-order, root first) and the model's totals; `str()` gives the table.

    `trainable_params` is None when the Trace does not know it (saved by a version that did not record it).
    `activation_bytes` adds up the outputs of every call of a leaf module (one without submodules): what one
    forward produces layer by layer. `param_bytes` is the parameters' storage.
    """

    model_name: str
    depth: int
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    rows: list[SummaryRow]
    total_params: int
    trainable_params: int | None
    total_macs: int
    input_bytes: int
    activation_bytes: int
    param_bytes: int
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def row(self, path: str) -> SummaryRow:
        """The row of the module at `path`; ValueError when it is not in the table (deeper than `depth`?)."""
        for row in self.rows:
            if row.path == path:
                return row
        raise ValueError(f"summary of {self.model_name!r}: no row for module {path!r} at depth {self.depth}")

    def __str__(self) -> str:
        from viz.render.summary import render_summary

        return render_summary(self)

    # Jupyter's rich display (see viz.notebook): HTML where the front end takes it, the text table in Markdown.
    def _repr_html_(self) -> str:
        from viz.notebook import summary_html

        return summary_html(self)

    def _repr_markdown_(self) -> str:
        from viz.notebook import summary_markdown

        return summary_markdown(self)


def summary(model_or_trace: Any, input_shape: Any = None, depth: int = 3) -> Summary:
    """Summarise a lucid model (traced once on `input_shape`, default its `default_input_shape`) or a `Trace`.

    >>> from lucid import nn
    >>> s = summary(nn.Linear(8, 4), input_shape=(2, 8))
    >>> s.total_params, s.total_macs, s.rows[0].output_shapes
    (36, 64, [(2, 4)])
    """
    check_depth(depth, "shows only the model row")
    if isinstance(model_or_trace, Trace):
        if input_shape is not None:
            raise ValueError("summary(): input_shape is for tracing a model; a Trace already has its shapes")
        return summarise_trace(model_or_trace, depth)
    from viz.trace import trace

    traced = trace(model_or_trace, input_shape=input_shape)
    param_bytes = sum(p.numpy().nbytes for p in model_or_trace.parameters())
    return summarise_trace(traced, depth, param_bytes=int(param_bytes))


def summarise_trace(
    trace: Trace, depth: int = 3, trainable_params: int | None = None, param_bytes: int | None = None
) -> Summary:
    """The summary of a recorded trace; pass what the trace cannot know (real parameter bytes; the trainable count
    when the trace has none). A `trainable_params` given wins over the trace's."""
    modules = trace.module_map()
    own_macs: dict[str, int] = dict.fromkeys(modules, 0)
    own_bytes: dict[str, int] = dict.fromkeys(modules, 0)
    call_count: dict[str, int] = dict.fromkeys(modules, 0)
    first_output: dict[str, list[Shape]] = {}
    activation = 0
    for call in trace.calls:
        nbytes = _nbytes(call.output_shapes)
        own_macs[call.path] += call.macs
        own_bytes[call.path] += nbytes
        call_count[call.path] += 1
        first_output.setdefault(call.path, call.output_shapes)
        if not modules[call.path].children:
            activation += nbytes

    order = list(trace.walk())
    # MACs of a module include its submodules' calls; children come after their parent in pre-order, so a
    # backwards walk finishes every subtree before its parent needs it.
    total_macs = dict(own_macs)
    for node, _ in reversed(order):
        for child in node.children:
            total_macs[node.path] += total_macs[child]

    rows = [
        SummaryRow(
            path=node.path,
            name=node.name,
            class_name=node.class_name,
            depth=level,
            output_shapes=first_output.get(node.path, []),
            calls=call_count[node.path],
            params=node.total_params,
            macs=total_macs[node.path],
            output_bytes=own_bytes[node.path],
        )
        for node, level in order
        if level <= depth
    ]
    total_params = modules[""].total_params
    notes = []
    if trace.error is not None:
        notes.append("the forward failed; numbers cover the calls that ran")
    return Summary(
        model_name=trace.model_name,
        depth=depth,
        input_shapes=list(trace.input_shapes),
        output_shapes=list(trace.output_shapes),
        rows=rows,
        total_params=total_params,
        trainable_params=trainable_params if trainable_params is not None else trace.trainable_params,
        total_macs=total_macs[""],
        input_bytes=_nbytes(trace.input_shapes),
        activation_bytes=activation,
        param_bytes=param_bytes if param_bytes is not None else total_params * ELEMENT_BYTES,
        error=None if trace.error is None else f"{trace.error.path or trace.model_name}: {trace.error.message}",
        notes=notes,
    )


def _nbytes(shapes: list[Shape]) -> int:
    return sum(math.prod(shape) for shape in shapes) * ELEMENT_BYTES
