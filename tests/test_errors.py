"""Bad input raises ValueError/TypeError whose message names the shapes or the value given."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid

a23 = lucid.ones(2, 3)
v4 = lucid.ones(4)

# (label, call, exception type, every fragment the message must contain)
CASES: list[tuple[str, Callable[[], Any], type[Exception], list[str]]] = [
    ("add", lambda: a23 + v4, ValueError, ["add", "(2, 3)", "(4,)", "broadcast"]),
    ("sub", lambda: lucid.ones(2, 3) - lucid.ones(2, 4), ValueError, ["sub", "(2, 3)", "(2, 4)"]),
    ("mul", lambda: a23 * lucid.ones(3, 2), ValueError, ["mul", "(2, 3)", "(3, 2)"]),
    ("div", lambda: a23 / v4, ValueError, ["div", "(2, 3)", "(4,)"]),
    ("pow", lambda: a23**v4, ValueError, ["pow", "(2, 3)", "(4,)"]),
    ("maximum", lambda: lucid.maximum(a23, v4), ValueError, ["maximum", "(2, 3)", "(4,)"]),
    ("compare", lambda: a23 < v4, ValueError, ["<", "(2, 3)", "(4,)"]),
    ("where shapes", lambda: lucid.where(lucid.ones(5) > 0, a23, a23), ValueError, ["where", "(5,)", "(2, 3)"]),
    ("where dtype", lambda: lucid.where(a23, a23, a23), TypeError, ["bool condition", "float32"]),
    ("matmul inner", lambda: a23 @ lucid.ones(2, 2), ValueError, ["(2, 3)", "(2, 2)", "(3)"]),
    ("matmul batch", lambda: lucid.ones(2, 3, 4) @ lucid.ones(3, 4, 5), ValueError, ["(2, 3, 4)", "(3, 4, 5)"]),
    ("matmul 0-d", lambda: lucid.tensor(1.0) @ a23, ValueError, ["at least 1 dimension", "()"]),
    ("concatenate", lambda: lucid.concatenate([a23, lucid.ones(3, 3)], axis=1), ValueError, ["(3, 3)", "(2, 3)"]),
    ("stack", lambda: lucid.stack([a23, v4]), ValueError, ["(4,)", "(2, 3)"]),
    ("reshape", lambda: a23.reshape(4, 2), ValueError, ["(2, 3)", "(4, 2)", "6 elements"]),
    ("reshape two -1", lambda: a23.reshape(-1, -1), ValueError, ["(2, 3)", "(-1, -1)", "one -1"]),
    ("broadcast_to", lambda: a23.broadcast_to(3, 3), ValueError, ["(2, 3)", "(3, 3)"]),
    ("sum axis", lambda: a23.sum(axis=2), ValueError, ["axis 2", "(2, 3)"]),
    ("sum axis type", lambda: a23.sum(axis=1.5), TypeError, ["axis", "1.5"]),
    ("mean repeated axis", lambda: a23.mean(axis=(1, -1)), ValueError, ["(1, -1)", "repeats"]),
    ("max axis", lambda: a23.max(axis=-3), ValueError, ["axis -3", "(2, 3)"]),
    ("argmax axis", lambda: a23.argmax(axis=5), ValueError, ["axis 5", "(2, 3)"]),
    ("transpose", lambda: lucid.ones(2, 3, 4).transpose(0, 2), ValueError, ["(0, 2)", "(2, 3, 4)", "swapaxes"]),
    ("swapaxes", lambda: a23.swapaxes(0, 2), ValueError, ["axis 2", "(2, 3)"]),
    ("flatten", lambda: a23.flatten(1, 0), ValueError, ["start_axis 1", "end_axis 0", "(2, 3)"]),
    ("squeeze", lambda: a23.squeeze(3), ValueError, ["axis 3", "(2, 3)"]),
    ("split sizes", lambda: a23.split([1, 1], axis=1), ValueError, ["[1, 1]", "3", "(2, 3)"]),
    ("split size", lambda: a23.split(0), ValueError, ["positive", "0"]),
    ("chunk", lambda: a23.chunk(0), ValueError, ["positive", "0"]),
    ("index", lambda: a23[5], IndexError, ["5", "(2, 3)"]),
    ("index array", lambda: a23[:, [0, 7]], IndexError, ["7", "(2, 3)"]),
    ("pad", lambda: a23.pad(((1, 1), (1, 1), (1, 1))), ValueError, ["(2, 3)", "2 pairs"]),
    ("pad 0-d", lambda: lucid.tensor(1.0).pad(1), ValueError, ["at least 1 dimension", "()"]),
    ("pad negative", lambda: a23.pad(-1), ValueError, ["non-negative", "-1"]),
    (
        "backward non-scalar",
        lambda: (lucid.ones(2, 3, requires_grad=True) * 2).backward(),
        ValueError,
        ["single-element", "(2, 3)", "grad="],
    ),
    (
        "backward grad shape",
        lambda: (lucid.ones(2, 3, requires_grad=True) * 2).backward(lucid.ones(3)),
        ValueError,
        ["(3,)", "(2, 3)"],
    ),
    ("item", lambda: a23.item(), ValueError, ["one element", "(2, 3)"]),
    ("bool", lambda: bool(a23), ValueError, ["ambiguous", "(2, 3)"]),
    ("mT", lambda: v4.mT, ValueError, ["2 dimensions", "(4,)"]),
    ("grad shape", lambda: setattr(lucid.ones(2, 3), "grad", np.ones(3)), ValueError, ["(3,)", "(2, 3)"]),
    ("dtype", lambda: lucid.zeros(2, dtype="flot32"), TypeError, ["flot32"]),
    ("tensor of strings", lambda: lucid.tensor(["x"]), TypeError, ["list", "<U1", "not numeric"]),
    ("shape entry", lambda: lucid.zeros(2.5), TypeError, ["2.5"]),
    ("negative shape", lambda: lucid.ones(-1, 2), ValueError, ["(-1, 2)", "negative"]),
    ("clip", lambda: a23.clip(), ValueError, ["min", "max"]),
    ("meshgrid indexing", lambda: lucid.meshgrid(v4, v4, indexing="ji"), ValueError, ["'ji'", "'ij'", "'xy'"]),
    ("meshgrid 2-D", lambda: lucid.meshgrid(a23), ValueError, ["1-D", "(2, 3)"]),
    ("seed", lambda: lucid.random.seed(-1), ValueError, ["-1"]),
    ("randint", lambda: lucid.randint(5, 5), ValueError, ["low=5", "high=5"]),
    ("arange", lambda: lucid.arange(0, 5, 0), ValueError, ["step", "zero"]),
    ("linspace", lambda: lucid.linspace(0, 1, -1), ValueError, ["-1"]),
    ("int requires_grad", lambda: lucid.tensor([1, 2]).requires_grad_(), TypeError, ["int64"]),
]


@pytest.mark.parametrize(("label", "call", "kind", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_message_names_what_was_given(
    label: str, call: Callable[[], Any], kind: type[Exception], fragments: list[str]
) -> None:
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{label}: {fragment!r} missing from {message!r}"


def test_errors_are_raised_before_any_graph_is_recorded() -> None:
    x = lucid.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("(2, 3) and (4,)")):
        x + v4
    assert x.grad is None
