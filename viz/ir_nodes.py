"""The parts of a trace (see viz.ir, which gathers them into a `Trace`): modules, calls, merges, ports, errors.

Plain data, no lucid import; viz.ir re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Shape = tuple[int, ...]

# Where a tensor came from: ("input", port, slot) the slot-th tensor of a model input, ("call", index, slot) the
# slot-th output tensor of a call, ("op", index, 0) a Merge's result. None: a parameter or a constant.
Source = tuple[str, int, int]
SOURCE_KINDS = ("input", "call", "op")


@dataclass
class ModuleNode:
    """One module: where it sits (`path`, `name`), what it is (`class_name`, `family`) and its parameters.

    `builtin` is True for classes defined in lucid.nn; `family` is "user" for the others. `children` lists the
    paths of the direct submodules in registration order.
    """

    path: str
    name: str
    class_name: str
    family: str
    is_container: bool = False
    builtin: bool = False
    own_params: int = 0
    total_params: int = 0
    children: list[str] = field(default_factory=list)


@dataclass
class Call:
    """One forward call of the module at `path`; shapes are flattened from the call's tensors in order (and
    `sources` and `returned` follow the same order).

        `macs` counts the multiply-accumulates of the operations run while this call was the innermost open module
        call (its own work, not its submodules'); see viz.macs for what is counted. Traces without it load as 0.
    """

    index: int
    path: str
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    macs: int = 0
    # With provenance: the call this one ran inside (None for the outermost), where each input tensor came from,
    # and where each output tensor came from before this call returned it (an inner call, an op, an input).
    parent: int | None = None
    sources: list[Source | None] = field(default_factory=list)
    returned: list[Source | None] = field(default_factory=list)


@dataclass
class Merge:
    """An op that combined tensors from two or more different sources (`add`, `matmul`, `concatenate`, ...):
    lucid's name for it, the innermost module call that ran it (None: outside every call), its shapes, the
    source of each input tensor, and `after_calls`, how many calls had started when it ran (its place in time)."""

    index: int
    name: str
    call: int | None
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    sources: list[Source | None]
    after_calls: int


@dataclass
class Port:
    """A model input (a positional argument, or a keyword one) or output (the whole output, or one item of a tuple
    or dict): its name ("" when it is the only one, else the position or key), its tensors' shapes, and for outputs
    where each tensor came from."""

    name: str
    shapes: list[Shape]
    sources: list[Source | None] = field(default_factory=list)


@dataclass
class TraceError:
    """Where a partial trace stopped: the failing module, the exception message and the shapes it was given."""

    path: str
    message: str
    input_shapes: list[Shape]
