"""The recorder of one trace: a module-call wrapper and an op tracker that log what a forward does, replayed
afterwards into the Trace's Calls and Merges (used by viz.trace, the only other part of lucid-viz that knows lucid).

Everything here runs inside the forward being traced, where every instruction shows in the overhead, so the hot
paths only append to a flat event log and tag tensors; `replay` does the rest once the forward is over.

How provenance works: every tensor that leaves a module call, every model input and every merge result is tagged in
its `_origin` slot with `base + position`, the position of the event that made it in the log. An op whose traced
inputs all carry the same tag passes it on (reshape, activation, indexing, mean, `x * parameter`); an op that
combines two or more different tags is a merge and tags its result with its own event. Parameters and constants
carry no tag. Tags below `base` were left by an earlier trace and mean nothing here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from lucid import Tensor, nn
from lucid.autograd.function import Function, OpTracker
from lucid.nn.module import CallWrapper
from viz.ir import Call, Merge, Source
from viz.macs import MAC_RULES, op_macs

# The kinds of event in the log; each event is four items: kind, subject and two values (see `Replay._run`).
_INPUT, _START, _END, _SLOT, _OP, _MERGE = range(6)
# Each trace's tags start above every earlier trace's (a log never has 2**40 items).
_BASES = itertools.count(1 << 40, 1 << 40)


def tensors_in(value: object) -> list[Tensor]:
    """The tensors in `value` (a tensor or nested tuples, lists and dicts of them), in `collect_shapes` order."""
    found: list[Tensor] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return found


def _alias(tensor: Tensor) -> Tensor:
    """A new Tensor object for the same memory (and version counter), so that tagging it leaves `tensor` alone."""
    twin = Tensor._wrap(tensor._data, tensor._requires_grad, tensor._version_box)
    twin._ctx = tensor._ctx
    return twin


def _replace_tensors(value: Any, swap: dict[int, Tensor]) -> Any:
    """`value` with the tensors whose id is in `swap` replaced, tuples, lists and dicts rebuilt (outputs are shallow
    in practice: a tensor, or a tuple or dict of them)."""
    if isinstance(value, Tensor):
        return swap.get(id(value), value)
    if isinstance(value, tuple):
        items = [_replace_tensors(item, swap) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_replace_tensors(item, swap) for item in value]
    if isinstance(value, dict):
        return type(value)((key, _replace_tensors(item, swap)) for key, item in value.items())
    return value


class CallRecorder:
    """The module-call wrapper (`wrap`, see lucid.nn.set_module_call_wrapper) and the op tracker (the recorder
    itself, see lucid.autograd.function.set_op_tracker) of one trace, and what they logged.

    The wrapper sees each call as its caller does: the arguments before the module's own pre-hooks change them and
    the output after its hooks. A call that hands back one of its own input tensors (Identity, a no-op dropout)
    returns a fresh alias of it instead, so the caller's other references keep their own tag.
    """

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.base = next(_BASES)
        self.previous_wrapper: CallWrapper | None = None
        self.previous_tracker: OpTracker | None = None
        self.mac_ops = frozenset(MAC_RULES)
        # The ops lucid calls this tracker for besides merges (see set_op_tracker): those that count MACs.
        self.ops: frozenset[str] | None = self.mac_ops

    def track_after(self, previous: OpTracker | None) -> None:
        """Chain to a tracker installed before the trace: it keeps seeing the ops it asked for."""
        self.previous_tracker = previous
        if previous is not None:
            wanted = getattr(previous, "ops", None)
            self.ops = None if wanted is None else self.mac_ops | frozenset(wanted)

    def tag_inputs(self, ports: list[list[Tensor]]) -> None:
        """Tag the model's input tensors (port by port) before the forward."""
        events = self.events
        for port, tensors in enumerate(ports):
            for slot, tensor in enumerate(tensors):
                tensor._origin = self.base + len(events)
                events += (_INPUT, None, port, slot)

    def wrap(self, module: nn.Module, call: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        events = self.events
        # Almost every layer takes one tensor and returns one: their shapes and tags alone, without the walks.
        single = args[0] if len(args) == 1 and not kwargs and type(args[0]) is Tensor else None
        if single is not None:
            events += (_START, module, single._data.shape, single._origin)
        else:
            inputs = tensors_in((args, kwargs))
            events += (_START, module, [t._data.shape for t in inputs], [t._origin for t in inputs])
        previous = self.previous_wrapper  # a wrapper installed before the trace still sees every call
        output = call(*args, **kwargs) if previous is None else previous(module, call, args, kwargs)
        if type(output) is Tensor and output is not single:
            position = len(events)
            events += (_END, module, output._data.shape, output._origin)
            output._origin = self.base + position
            return output
        if single is not None and output is single:
            twin = _alias(single)
            position = len(events)
            events += (_END, module, twin._data.shape, single._origin)
            twin._origin = self.base + position
            return twin
        return self._end_structured(module, args, kwargs, output)

    def _end_structured(self, module: nn.Module, args: tuple, kwargs: dict, output: Any) -> Any:
        """The end of a call whose output is not one new tensor: each tensor in it gets a slot of its own."""
        outputs = tensors_in(output)
        origins = [t._origin for t in outputs]  # where each came from before this call returned it
        own = {id(t) for t in tensors_in((args, kwargs))}
        # The call's own inputs and parameters (which outlive the trace) go back as aliases: their tags stay.
        swap = {id(t): _alias(t) for t in outputs if id(t) in own or type(t) is not Tensor}
        if swap:
            output = _replace_tensors(output, swap)
            outputs = [swap.get(id(t), t) for t in outputs]
        events = self.events
        events += (_END, module, [t._data.shape for t in outputs], origins)
        for slot, tensor in enumerate(outputs):
            tensor._origin = self.base + len(events)
            events += (_SLOT, None, slot, None)
        return output

    def __call__(self, op: type[Function], inputs: tuple[Tensor, ...], result: Tensor, options: dict[str, Any]) -> None:
        """The op tracker: pass a single tag on (lucid does that itself for the ops not in `ops`), log a merge of
        several, and log the MAC-counting ops."""
        base = self.base
        origin = None
        for tensor in inputs:
            tag = tensor._origin
            if tag is not None and tag >= base:
                if origin is None:
                    origin = tag
                elif tag != origin:
                    self._merge(op, inputs, result, options)
                    break
        else:
            if origin is not None:
                result._origin = origin
            if op.__name__ in self.mac_ops:
                shapes = [t._data.shape for t in inputs]
                self.events += (_OP, op.__name__, shapes, (result._data.shape, options))
        previous = self.previous_tracker
        if previous is not None:
            previous(op, inputs, result, options)

    def _merge(self, op: type[Function], inputs: tuple[Tensor, ...], result: Tensor, options: dict[str, Any]) -> None:
        base = self.base
        origins = [t._origin if t._origin is not None and t._origin >= base else None for t in inputs]
        shapes = [t._data.shape for t in inputs]
        position = len(self.events)
        self.events += (_MERGE, op, (shapes, result._data.shape, options), origins)
        result._origin = base + position

    def replay(self, paths: dict[int, str]) -> Replay:
        """The Calls and Merges the log describes (see `Replay`)."""
        return Replay(self, paths)


class Replay:
    """The log turned into Calls (in the order they started) and Merges, and the way from a tag to its Source.

    `paths` maps module identity to path; a module made inside forward is not in it: its work goes to the call
    that made it, and the tensors it returns keep the source they had. `failing` is the innermost call still open
    at the end (where a forward that raised stopped).
    """

    def __init__(self, recorder: CallRecorder, paths: dict[int, str]) -> None:
        self.base = recorder.base
        self.calls: list[Call] = []
        self.merges: list[Merge] = []
        # Tag -> the Source of the tensors tagged with it (None: no source, e.g. a transparent call). Keyed by the
        # tag itself (base + event position), so looking a tensor's tag up needs no arithmetic, and the tags of
        # earlier traces (below base) and untagged tensors (None) are simply not there.
        self.by_tag: dict[int, Source | None] = {}
        self.failing: Call | None = None
        self._run(recorder.events, paths)

    def source(self, tag: Any) -> Source | None:
        """The Source a tensor tag stands for in this trace (None for untagged tensors and earlier traces' tags)."""
        return self.by_tag.get(tag)

    def _run(self, events: list[Any], paths: dict[int, str]) -> None:
        calls, by_tag = self.calls, self.by_tag
        known = by_tag.get
        # The calls that have started and not returned, innermost last, each with its module.
        stack: list[tuple[nn.Module, Call]] = []
        # The last END (for the SLOT events after it): its call (None for a module made in forward) and origins.
        ended: Call | None = None
        ended_origins: Any = None
        # The loop runs once per event (a few per module call), so the common one-tensor case is written inline.
        # START and END: the module, then its tensors' shapes and origins (one shape and one tag, or two lists).
        base = self.base
        for tag, kind, subject, first, second in zip(
            range(base, base + len(events), 4), events[0::4], events[1::4], events[2::4], events[3::4], strict=True
        ):
            if kind == _START:
                path = paths.get(id(subject))
                if path is None:
                    continue
                if type(first) is tuple:
                    shapes = [first]
                    sources = [known(second)]
                else:
                    shapes = first
                    sources = [known(o) for o in second]
                call = Call(len(calls), path, shapes, [], 0, stack[-1][1].index if stack else None, sources, [])
                calls.append(call)
                stack.append((subject, call))
            elif kind == _END:
                single = type(first) is tuple
                if single:
                    returned = [known(second)]
                else:
                    returned = [known(o) for o in second]
                    ended, ended_origins = None, second
                if not (stack and stack[-1][0] is subject):
                    if id(subject) not in paths:
                        by_tag[tag] = returned[0] if single else None
                        continue
                    # Calls whose forward raised into a parent that caught the error never ended; drop them, or
                    # this module's output would be written into a child's call.
                    while stack and stack[-1][0] is not subject:
                        stack.pop()
                    if not stack:
                        continue
                call = stack.pop()[1]
                call.returned = returned
                if single:
                    call.output_shapes = [first]
                    by_tag[tag] = ("call", call.index, 0)
                else:
                    call.output_shapes = first
                    ended = call
            elif kind == _OP:
                if stack:
                    stack[-1][1].macs += op_macs(subject, first, *second)
            elif kind == _MERGE:
                self._merge(tag, subject, first, second, stack[-1][1] if stack else None)
            elif kind == _INPUT:
                by_tag[tag] = ("input", first, second)
            else:  # _SLOT: the `first`-th tensor of the last END's output
                if ended is not None:
                    by_tag[tag] = ("call", ended.index, first)
                else:
                    by_tag[tag] = known(ended_origins[first])
        self.failing = stack[-1][1] if stack else None

    def _merge(self, tag: int, op: type[Function], value: tuple, origins: list[Any], owner: Call | None) -> None:
        shapes, output_shape, options = value
        known = self.by_tag.get
        sources = [known(o) for o in origins]
        distinct = {s for s in sources if s is not None}
        if owner is not None and op.__name__ in MAC_RULES:
            owner.macs += op_macs(op.__name__, shapes, output_shape, options)
        if len(distinct) < 2:
            # Tags that differed name the same source (a module made inside forward passed one on): no merge.
            self.by_tag[tag] = next(iter(distinct), None)
            return
        merge = Merge(
            len(self.merges),
            op.op_name,
            None if owner is None else owner.index,
            list(shapes),
            [output_shape],
            sources,
            after_calls=len(self.calls),
        )
        self.merges.append(merge)
        self.by_tag[tag] = ("op", merge.index, 0)
