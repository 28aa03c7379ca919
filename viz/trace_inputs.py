"""The inputs `viz.trace` makes when it is given shapes: which shapes (given or the model's own), their dtypes, and
seeded data (standard normal floats, integer ids every Embedding table accepts) or meta tensors for shape-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import lucid
from lucid import nn
from viz.ir import Shape

_INPUT_SEED = 0  # inputs made from a shape are the same numbers every run
# What `input_dtypes` may name; the integer ones make token ids (see _index_limit).
INPUT_DTYPES = ("float32", "float64", "float16", "int64", "int32")


def default_input_shape(model: nn.Module) -> Shape | None:
    shape = getattr(model, "default_input_shape", None)
    return tuple(shape) if shape is not None else None


def input_shapes_for(model: nn.Module, input_shape: Any) -> tuple[Shape, ...]:
    shape = input_shape if input_shape is not None else default_input_shape(model)
    if shape is None:
        raise ValueError(
            f"trace({type(model).__name__}): give input_shape=(N, C, H, W) or inputs=...; "
            "the model declares no default_input_shape"
        )
    # A string is a Sequence too, but "1,3,224,224" would be read as one shape per character.
    if not isinstance(shape, Sequence) or isinstance(shape, str) or not shape:
        raise TypeError(f"input_shape must be a non-empty tuple of positive ints, got {shape!r}")
    if isinstance(shape[0], Sequence):
        if any(not isinstance(s, Sequence) or isinstance(s, str) for s in shape):
            raise TypeError(
                f"input_shape must be one shape or a tuple of shapes (tuples of positive ints), got {shape!r}"
            )
        shapes = tuple(tuple(s) for s in shape)
    else:
        shapes = (tuple(shape),)
    for s in shapes:
        if not s or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d <= 0 for d in s):
            raise ValueError(f"input shape {s!r} must be a non-empty tuple of positive ints")
    return shapes


def input_dtypes_for(input_dtypes: Any, count: int) -> list[np.dtype]:
    """One dtype per input made from a shape: `input_dtypes` is None (float32), one name for all, or one per shape.
    lucid's dtype objects (lucid.int64, ...) are accepted as well as their names."""
    if input_dtypes is None:
        input_dtypes = "float32"
    if isinstance(input_dtypes, (str, np.dtype)):
        given = [input_dtypes] * count
    elif isinstance(input_dtypes, (tuple, list)):
        given = list(input_dtypes)
    else:
        raise TypeError(
            f"trace(): input_dtypes must be a dtype name ({', '.join(INPUT_DTYPES)}) or a tuple of them, "
            f"got {input_dtypes!r}"
        )
    if len(given) != count:
        raise ValueError(
            f"trace(): input_dtypes {input_dtypes!r} names {len(given)} dtype(s) for {count} input shape(s): "
            "give one per shape, or a single name for all"
        )
    dtypes = []
    for dtype in given:
        name = dtype.name if isinstance(dtype, np.dtype) else dtype
        if not isinstance(name, str) or name not in INPUT_DTYPES:
            raise ValueError(
                f"trace(): input_dtypes has {dtype!r}, not a dtype inputs can be made of; use one of "
                f"{', '.join(INPUT_DTYPES)}"
            )
        dtypes.append(np.dtype(name))
    return dtypes


def _index_limit(modules: list[nn.Module]) -> int:
    """The exclusive upper bound of integer inputs: the smallest Embedding table's row count, so every id is valid
    for every table the model has."""
    rows = [module.num_embeddings for module in modules if isinstance(module, nn.Embedding)]
    if not rows:
        # No table says how far ids may go. 0 and 1 are valid wherever integers go in (an index into any table of
        # two rows or more, a class label, a token-type id, a 0/1 mask); a wider guess could overrun a lookup the
        # model does without an Embedding (F.embedding on a table of its own, indexing a buffer).
        return 2
    # A table of no rows takes no index at all; 0 lets its lookup refuse it in its own words.
    return max(min(rows), 1)


def new_inputs(shapes: tuple[Shape, ...], dtypes: list[np.dtype], meta: bool, modules: list[nn.Module]) -> tuple:
    """The inputs made from shapes: meta tensors, or seeded random data (standard normal floats, integer ids)."""
    if meta:
        with lucid.meta():
            return tuple(lucid.zeros(shape, dtype=dtype) for shape, dtype in zip(shapes, dtypes, strict=True))
    high = _index_limit(modules) if any(dtype.kind == "i" for dtype in dtypes) else 0
    rng = np.random.default_rng(_INPUT_SEED)
    made = []
    for shape, dtype in zip(shapes, dtypes, strict=True):
        if dtype.kind == "i":
            made.append(lucid.Tensor(rng.integers(0, high, size=shape, dtype=dtype)))
        else:
            made.append(lucid.Tensor(rng.standard_normal(shape).astype(dtype)))
    return tuple(made)
