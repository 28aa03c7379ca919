"""MAC rules: how many multiply-accumulates one primitive op performs, from its name, shapes and options.

The tracer observes the ops lucid runs (through `lucid.autograd.function.set_op_observer`, asking only for the ops
named in `MAC_RULES`), counts each with `op_macs`, and adds the result to the innermost module call that
was open, so each `Call.macs` is that call's own work.

What is counted (one MAC = one multiply and one add):

- `Conv1d` / `Conv2d` / `Conv3d`: N * C_out * (output positions) * (C_in / groups) * (kernel taps), e.g.
  N * C_out * H_out * W_out * (C_in / groups) * kh * kw in 2-d. The bias add is not counted.
- `ConvTranspose1d` / `2d` / `3d`: every input element meets every tap of its group's output channels:
  N * C_in * (input positions) * (C_out / groups) * (kernel taps), the MACs of the convolution it is the
  gradient of. Taps that land in the cropped padding are counted too: the kernel computes them.
- `MatMul` (linear layers, attention's q @ k^T and attn @ v): every output element costs K MACs, K being the
  shared inner axis, i.e. prod(batch) * M * K * N. A linear layer's bias add is not counted.
- `AvgPool1d/2d/3d` / `MaxPool1d/2d/3d`: output elements * kernel taps (one accumulate or compare per tap).
- `AdaptiveAvgPool1d/2d/3d` / `AdaptiveMaxPool1d/2d/3d`: one accumulate or compare per input element read by
  each output window (the window sizes summed; PyTorch's adaptive windows may overlap).
- Everything else counts 0: elementwise ops (activations, residual and bias adds, the arithmetic inside
  BatchNorm/LayerNorm/GroupNorm and softmax), reductions and shape ops. They are not multiply-accumulates, and
  an inference BatchNorm folds into the convolution before it. This is the convention of the EfficientFormer
  paper's GMACs figures (and of fvcore/thop-style counters), which lucid reproduces within 1%.
  Resampling (`Interpolate`: nearest, linear, cubic) and padding (`Pad`, `BorderPad`) count 0 under the same
  rule: each output mixes a fixed handful of neighbours (at most 4 per axis), with no reduction axis. They are
  ops of their own, never lowered onto `MatMul`, so that they stay uncounted. `unfold` and `fold` (`Im2Col`,
  `Col2Im`) only move values (fold adds overlaps) and count 0; the products of a convolution written with them
  are the `MatMul` after them. A `F.interpolate(mode="area")` is adaptive average pooling and counts as one.

Add a rule for your own op by putting a function in `MAC_RULES` under the op's Function class name.

>>> op_macs("Conv2d", [(1, 3, 224, 224), (24, 3, 3, 3), (24,)], (1, 24, 112, 112), {"groups": 1})
8128512
>>> op_macs("MatMul", [(2, 5, 8), (8, 4)], (2, 5, 4), {})
320
>>> op_macs("ConvTranspose2d", [(1, 64, 32, 32), (64, 32, 4, 4)], (1, 32, 64, 64), {"groups": 1})
33554432
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

Shape = tuple[int, ...]
MacRule = Callable[[Sequence[Shape], Shape, dict[str, Any]], int]


def conv_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element is a dot product over the weight's (C_in / groups, *kernel) block (1-, 2- or 3-d).

    >>> conv_macs([(2, 4, 10), (6, 2, 3)], (2, 6, 8), {"groups": 2})
    576
    """
    weight = input_shapes[1]
    return math.prod(output_shape) * math.prod(weight[1:])


conv2d_macs = conv_macs  # the 2-d name it had first


def conv_transpose_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each input element is multiplied into the weight's (C_out / groups, *kernel) block: the weight is
    (C_in, C_out / groups, *kernel), so N * C_in * (input positions) * (C_out / groups) * (kernel taps).

    >>> conv_transpose_macs([(2, 4, 5), (4, 3, 3)], (2, 3, 11), {"groups": 1})
    360
    """
    x, weight = input_shapes[0], input_shapes[1]
    return math.prod(x) * math.prod(weight[1:])


def matmul_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element is a dot product over the first operand's last axis (also right for 1-D operands)."""
    inner = input_shapes[0][-1]
    return math.prod(output_shape) * inner


def pool_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Each output element reads every tap of its window (padding taps included, as the kernel visits them).

    >>> pool_macs([(1, 3, 8, 8, 8)], (1, 3, 4, 4, 4), {"kernel": (2, 2, 2)})
    1536
    """
    return math.prod(output_shape) * math.prod(options["kernel"])


pool2d_macs = pool_macs  # the 2-d name it had first


def adaptive_pool_macs(input_shapes: Sequence[Shape], output_shape: Shape, options: dict[str, Any]) -> int:
    """Sum of the window sizes: PyTorch's adaptive windows may overlap, so this can exceed the input size.

    >>> adaptive_pool_macs([(1, 2, 5)], (1, 2, 3), {"output_size": (3,)})  # windows [0,2) [1,4) [3,5)
    14
    """
    shape = input_shapes[0]
    spans = [_adaptive_span(size, out) for size, out in zip(shape[2:], options["output_size"], strict=True)]
    return shape[0] * shape[1] * math.prod(spans)


adaptive_avg_pool2d_macs = adaptive_pool_macs  # the 2-d name it had first


def _adaptive_span(size: int, out: int) -> int:
    # Window o covers [floor(o * size / out), ceil((o + 1) * size / out)).
    return sum(-((-(o + 1) * size) // out) - (o * size) // out for o in range(out))


MAC_RULES: dict[str, MacRule] = {
    "Conv2d": conv_macs,
    "MatMul": matmul_macs,
    "AvgPool2d": pool_macs,
    "MaxPool2d": pool_macs,
    "AdaptiveAvgPool2d": adaptive_pool_macs,
}
# Convolution and pooling in 1 and 3 dimensions, transposed convolutions, adaptive max pooling (issue 18).
MAC_RULES |= {
    "AdaptiveAvgPool1d": adaptive_pool_macs,
    "AdaptiveAvgPool3d": adaptive_pool_macs,
    "AdaptiveMaxPool1d": adaptive_pool_macs,
    "AdaptiveMaxPool2d": adaptive_pool_macs,
    "AdaptiveMaxPool3d": adaptive_pool_macs,
    "AvgPool1d": pool_macs,
    "AvgPool3d": pool_macs,
    "Conv1d": conv_macs,
    "Conv3d": conv_macs,
    "ConvTranspose1d": conv_transpose_macs,
    "ConvTranspose2d": conv_transpose_macs,
    "ConvTranspose3d": conv_transpose_macs,
    "MaxPool1d": pool_macs,
    "MaxPool3d": pool_macs,
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
