"""MAC rules: how many multiply-accumulates one primitive op performs, from its name, shapes and options.

The tracer observes the ops lucid runs (through `lucid.autograd.function.set_op_observer`, asking only for the ops
named in `MAC_RULES`), counts each with `op_macs`, and adds the result to the innermost module call that
was open, so each `Call.macs` is that call's own work.

What is counted (one MAC = one multiply and one add):

- `Conv2d`: N * C_out * H_out * W_out * (C_in / groups) * kh * kw. The bias add is not counted.
- `MatMul` (linear layers, attention's q @ k^T and attn @ v): every output element costs K MACs, K being the
  shared inner axis, i.e. prod(batch) * M * K * N. A linear layer's bias add is not counted.
- `AvgPool2d` / `MaxPool2d`: output elements * kh * kw (one accumulate or compare per window tap).
- `AdaptiveAvgPool2d`: one accumulate per input element read by each output window (the window sizes summed).
- Everything else counts 0: elementwise ops (activations, residual and bias adds, the arithmetic inside
  BatchNorm/LayerNorm/GroupNorm and softmax), reductions and shape ops. They are not multiply-accumulates, and
  an inference BatchNorm folds into the convolution before it. This is the convention of the EfficientFormer
  paper's GMACs figures (and of fvcore/thop-style counters), which lucid reproduces within 1%.

Add a rule for your own op by putting a function in `MAC_RULES` under the op's Function class name.

>>> op_macs("Conv2d", [(1, 3, 224, 224), (24, 3, 3, 3), (24,)], (1, 24, 112, 112), {"groups": 1})
8128512
>>> op_macs("MatMul", [(2, 5, 8), (8, 4)], (2, 5, 4), {})
320
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

Shape = tuple[int, ...]
MacRule = Callable[[Sequence[Shape], Shape, dict[str, Any]], int]


def conv2d_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element is a dot product over the weight's (C_in / groups, kh, kw) block."""
    weight = input_shapes[1]
    return math.prod(output_shape) * math.prod(weight[1:])


def matmul_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element is a dot product over the first operand's last axis (also right for 1-D operands)."""
    inner = input_shapes[0][-1]
    return math.prod(output_shape) * inner


def pool2d_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element reads kh * kw window taps (padding taps included, as the kernel visits them)."""
    kernel = options["kernel"]
    return math.prod(output_shape) * kernel[0] * kernel[1]


def adaptive_avg_pool2d_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Sum of the window sizes: PyTorch's adaptive windows may overlap, so this can exceed the input size."""
    n, c, h, w = input_shapes[0]
    out_h, out_w = options["output_size"]
    return n * c * _adaptive_span(h, out_h) * _adaptive_span(w, out_w)


def _adaptive_span(size: int, out: int) -> int:
    # Window o covers [floor(o * size / out), ceil((o + 1) * size / out)).
    return sum(-((-(o + 1) * size) // out) - (o * size) // out for o in range(out))


MAC_RULES: dict[str, MacRule] = {
    "Conv2d": conv2d_macs,
    "MatMul": matmul_macs,
    "AvgPool2d": pool2d_macs,
    "MaxPool2d": pool2d_macs,
    "AdaptiveAvgPool2d": adaptive_avg_pool2d_macs,
}


def op_macs(op_name: str, input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """MACs of one op call; 0 for ops without a rule in `MAC_RULES` (see the module docstring for why)."""
    rule = MAC_RULES.get(op_name)
    if rule is None:
        return 0
    try:
        return int(rule(input_shapes, output_shape, options))
    except Exception as exc:  # a rule added to MAC_RULES by a user may not fit every call of its op
        raise ValueError(
            f"viz.macs.MAC_RULES[{op_name!r}] failed on input shapes {input_shapes}, output {output_shape}: {exc}"
        ) from exc
