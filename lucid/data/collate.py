"""Turning a list of samples into one batch, as torch's `default_collate` does: NumPy arrays, lucid Tensors and
numbers are stacked into Tensors with a new first axis, inside the same structure of dicts, namedtuples, lists and
tuples (a tuple becomes a list, as in torch); strings are gathered, not stacked. `default_convert` is the per-sample
conversion used when a DataLoader does not batch (`batch_size=None`).

Both walk a sample's nesting with an explicit stack rather than recursion, so a deeply nested sample cannot exhaust
the interpreter's recursion limit.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from lucid.autograd.ops.shape import stack
from lucid.tensor import Tensor

# NumPy dtypes that hold text or Python objects: such arrays cannot become tensors.
_TEXT_DTYPE = re.compile(r"[SaUO]")
_NOT_COLLATABLE = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _family(value: Any) -> str:
    """Which collate rule applies; two samples can share a batch slot only if their families match."""
    if isinstance(value, (Tensor, np.ndarray)):
        return "array"
    if isinstance(value, (str, bytes)):  # np.str_ included: it is a str
        return "string"
    if isinstance(value, (bool, int, float, np.bool_, np.number)):
        return "number"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return "namedtuple"
    if isinstance(value, Sequence):
        return "sequence"
    return "other"


def _where(path: tuple[Any, ...]) -> str:
    if not path:
        return ""
    return " in sample" + "".join(f"[{key!r}]" for key in path)


def _element(position: int, indices: Sequence[Any] | None) -> str:
    if indices is None or position >= len(indices) or indices[position] is None:
        return f"batch element {position}"
    return f"batch element {position} (dataset index {indices[position]})"


def _rebuild(template: Any, values: list[Any], keys: list[Any] | None) -> Any:
    """A container like `template` (same type where it can be rebuilt) holding `values`."""
    kind = type(template)
    if keys is not None:  # a mapping
        items = dict(zip(keys, values, strict=True))
        try:
            if isinstance(template, MutableMapping):
                # A copy keeps the mapping type's own attributes (an OrderedDict, a defaultdict's factory).
                clone = copy.copy(template)
                clone.update(items)
                return clone
            return kind(items)
        except TypeError:
            return items
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return kind(*values)
    if isinstance(template, tuple):
        return list(values)  # torch returns a list for tuple samples
    try:
        if isinstance(template, MutableSequence):
            clone = copy.copy(template)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return kind(values)
    except TypeError:
        return list(values)


class _Node:
    """A container being rebuilt: its children fill `values`, then `finish` stores the container in its parent."""

    def __init__(self, template: Any, size: int, keys: list[Any] | None, store: Callable[[Any], None]) -> None:
        self.template, self.keys, self.store = template, keys, store
        self.values: list[Any] = [None] * size

    def setter(self, i: int) -> Callable[[Any], None]:
        def set_value(value: Any) -> None:
            self.values[i] = value

        return set_value

    def finish(self) -> None:
        self.store(_rebuild(self.template, self.values, self.keys))


def _stack_arrays(samples: Sequence[Any], path: tuple[Any, ...], indices: Sequence[Any] | None) -> Tensor:
    arrays = [s.data if isinstance(s, Tensor) else s for s in samples]
    for i, array in enumerate(arrays):
        if _TEXT_DTYPE.search(array.dtype.str) is not None:
            raise TypeError(_NOT_COLLATABLE.format(f"an array of dtype {array.dtype}{_where(path)}"))
        if array.shape != arrays[0].shape:
            raise ValueError(
                f"default_collate: {_element(i, indices)} has shape {tuple(array.shape)} but "
                f"{_element(0, indices)} has shape {tuple(arrays[0].shape)}{_where(path)}; samples stacked into "
                "one batch need equal shapes (pad them, or pass a collate_fn)"
            )
    if any(isinstance(s, Tensor) and s.requires_grad for s in samples):
        return stack([s if isinstance(s, Tensor) else Tensor(s) for s in samples])  # keeps the graph
    batch = np.stack(arrays)
    if batch.dtype.kind not in "biuf":
        raise TypeError(_NOT_COLLATABLE.format(f"an array of dtype {batch.dtype}{_where(path)}"))
    return Tensor._wrap(batch)


def _stack_numbers(samples: Sequence[Any]) -> Tensor:
    if isinstance(samples[0], np.generic):
        return Tensor._wrap(np.array(samples))
    # Python numbers: floats become float64 and ints int64, as torch's default_collate makes them.
    if all(isinstance(s, (bool, np.bool_)) for s in samples):
        return Tensor._wrap(np.array(samples, dtype=np.bool_))
    if any(isinstance(s, (float, np.floating)) for s in samples):
        return Tensor._wrap(np.array(samples, dtype=np.float64))
    return Tensor._wrap(np.array(samples, dtype=np.int64))


def _check_same_family(samples: Sequence[Any], path: tuple[Any, ...], indices: Sequence[Any] | None) -> str:
    family = _family(samples[0])
    for i, sample in enumerate(samples):
        if _family(sample) != family:
            raise TypeError(
                f"default_collate: {_element(i, indices)} has type {type(sample).__name__} but "
                f"{_element(0, indices)} has type {type(samples[0]).__name__}{_where(path)}; every sample in a "
                "batch needs the same structure and types (or pass a collate_fn)"
            )
    return family


def collate_samples(batch: Sequence[Any], indices: Sequence[Any] | None = None) -> Any:
    """`default_collate`, with the dataset indices of the samples (when known) named in its error messages."""
    # Strings come back in the container the samples came in (the batch list, or a tuple slice of tuple samples),
    # as torch's default_collate returns them.
    samples = batch if isinstance(batch, (list, tuple)) else list(batch)
    if not samples:
        raise ValueError("default_collate: the batch is empty")
    result: list[Any] = [None]
    pending: list[tuple[Sequence[Any], tuple[Any, ...], Callable[[Any], None]]] = [
        (samples, (), lambda value: result.__setitem__(0, value))
    ]
    nodes: list[_Node] = []
    while pending:
        group, path, store = pending.pop()
        family = _check_same_family(group, path, indices)
        first = group[0]
        if family == "array":
            store(_stack_arrays(group, path, indices))
        elif family == "number":
            store(_stack_numbers(group))
        elif family == "string":
            store(group)
        elif family == "mapping":
            keys = list(first)
            for i, sample in enumerate(group):
                if set(sample) != set(keys):
                    raise ValueError(
                        f"default_collate: {_element(i, indices)} has keys {sorted(map(repr, sample))} but "
                        f"{_element(0, indices)} has keys {sorted(map(repr, keys))}{_where(path)}"
                    )
            node = _Node(first, len(keys), keys, store)
            nodes.append(node)
            for k, key in enumerate(keys):
                pending.append(([sample[key] for sample in group], (*path, key), node.setter(k)))
        elif family in ("namedtuple", "sequence"):
            for i, sample in enumerate(group):
                if len(sample) != len(first):
                    raise ValueError(
                        f"default_collate: {_element(i, indices)} has {len(sample)} items but "
                        f"{_element(0, indices)} has {len(first)}{_where(path)}; each element in a batch should be "
                        "of equal size"
                    )
            node = _Node(first, len(first), None, store)
            nodes.append(node)
            for k in range(len(first)):
                pending.append((tuple(sample[k] for sample in group), (*path, k), node.setter(k)))
        else:
            raise TypeError(_NOT_COLLATABLE.format(f"{type(first).__name__}{_where(path)}"))
    # A container's node is made before its children's, so finishing in reverse completes the children first.
    for node in reversed(nodes):
        node.finish()
    return result[0]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch, as torch's `default_collate`.

    Arrays and Tensors become one Tensor with a new first axis; Python floats a float64 Tensor, ints an int64 one,
    bools a bool one; NumPy scalars keep their dtype; strings are gathered as they come (a list, or a tuple for a
    slot of tuple samples, as torch gathers them). Dicts, namedtuples and lists keep their structure with each slot
    collated; a tuple sample gives a list (as in torch). Samples whose types or shapes differ raise an error naming
    the batch element, its dataset index when known, and where in the sample.

    >>> batch = lucid.data.default_collate([(np.zeros(2), 1, "a"), (np.ones(2), 2, "b")])
    >>> batch[0].shape, batch[1].tolist(), batch[2]
    ((2, 2), [1, 2], ('a', 'b'))
    >>> lucid.data.default_collate([{"x": 1.0}, {"x": 2.0}])["x"].dtype
    dtype('float64')
    """
    return collate_samples(batch)


def _convert_leaf(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if _TEXT_DTYPE.search(value.dtype.str) is not None or value.dtype.kind not in "biuf":
            return value
        return Tensor(value)
    if isinstance(value, (np.bool_, np.number)):
        return Tensor._wrap(np.asarray(value))
    return value


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars inside one sample into Tensors, keeping everything else (what a DataLoader with
    `batch_size=None` applies to each sample).

    >>> out = lucid.data.default_convert({"x": np.arange(3), "name": "a"})
    >>> type(out["x"]).__name__, out["name"]
    ('Tensor', 'a')
    """
    result: list[Any] = [None]
    pending: list[tuple[Any, Callable[[Any], None]]] = [(data, lambda value: result.__setitem__(0, value))]
    nodes: list[_Node] = []
    while pending:
        value, store = pending.pop()
        family = _family(value)
        if family == "mapping":
            keys = list(value)
            node = _Node(value, len(keys), keys, store)
            nodes.append(node)
            pending.extend((value[key], node.setter(k)) for k, key in enumerate(keys))
        elif family in ("namedtuple", "sequence"):
            node = _Node(value, len(value), None, store)
            nodes.append(node)
            pending.extend((item, node.setter(k)) for k, item in enumerate(value))
        else:
            store(_convert_leaf(value))
    for node in reversed(nodes):
        node.finish()
    return result[0]
