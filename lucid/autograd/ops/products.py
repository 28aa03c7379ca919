"""Products written as index expressions: `einsum` and `outer`, composed from shape ops, sums and matmul.

einsum takes the operands left to right, two at a time, as PyTorch does without opt_einsum: each pair is laid
out as (batch, kept, summed) and multiplied by one matmul, so lucid-viz counts its multiply-accumulates through
the MatMul rule and the gradient comes from the ops it is made of. A label repeated within one operand takes
its diagonal; a label no later operand or the output needs is summed away as early as possible.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from lucid.autograd.ops import elementwise as ew
from lucid.autograd.ops.matmul import matmul
from lucid.autograd.ops.reduce import sum as reduce_sum
from lucid.autograd.ops.shape import getitem, reshape, transpose
from lucid.tensor import ArrayLike, Tensor, as_tensor

_LETTERS = set(string.ascii_letters)

Labels = list[str]  # one label per dim: a letter, or "...0", "...1", ... for the dims an ellipsis covers


def _parse_term(term: str, ndim: int, span: int | None, equation: str, which: str) -> Labels:
    """The labels of one operand's (or the output's) subscripts; `span` is how many dims '...' stands for."""
    if term.count("...") > 1:
        raise ValueError(f"einsum: {which} subscripts {term!r} hold '...' more than once ({equation!r})")
    head, dots, tail = term.partition("...")
    for char in head + tail:
        if char not in _LETTERS:
            raise ValueError(f"einsum: invalid subscript {char!r} in {equation!r}; use letters a-z, A-Z and '...'")
    if not dots:
        return list(head)
    if span is None:  # an operand: '...' covers whatever its letters leave
        span = ndim - len(head) - len(tail)
        if span < 0:
            raise ValueError(f"einsum: {which} subscripts {term!r} name more dims than its shape has")
    return [*head, *(f"...{i}" for i in range(span)), *tail]


def _diagonal(x: Tensor, labels: Labels) -> tuple[Tensor, Labels]:
    """Take the diagonal over every label that repeats within one operand ('ii->i')."""
    while len(set(labels)) != len(labels):
        label = next(lab for lab in labels if labels.count(lab) > 1)
        first, second = [i for i, lab in enumerate(labels) if lab == label][:2]
        if x.shape[first] != x.shape[second]:
            raise ValueError(
                f"einsum: label {label!r} repeats in one operand over dims of sizes {x.shape[first]} and "
                f"{x.shape[second]}; they must be equal"
            )
        rest = [i for i in range(x.ndim) if i not in (first, second)]
        x = transpose(x, (*rest, first, second))
        steps = np.arange(x.shape[-1])
        x = getitem(x, (Ellipsis, steps, steps))
        labels = [labels[i] for i in rest] + [label]
    return x, labels


def _sum_away(x: Tensor, labels: Labels, needed: set[str]) -> tuple[Tensor, Labels]:
    drop = tuple(i for i, lab in enumerate(labels) if lab not in needed)
    if not drop:
        return x, labels
    return reduce_sum(x, axis=drop), [lab for i, lab in enumerate(labels) if i not in drop]


def _arrange(x: Tensor, labels: Labels, order: Labels) -> Tensor:
    axes = tuple(labels.index(lab) for lab in order)
    return x if axes == tuple(range(x.ndim)) else transpose(x, axes)


def _drop_unit(x: Tensor, labels: Labels, label: str) -> tuple[Tensor, Labels]:
    """x without its size-1 dim `label`."""
    shape = tuple(size for size, lab in zip(x.shape, labels, strict=True) if lab != label)
    return reshape(x, shape), [lab for lab in labels if lab != label]


def _size(x: Tensor, labels: Labels, label: str) -> int:
    return x.shape[labels.index(label)]


def _contract(a: Tensor, la: Labels, b: Tensor, lb: Labels, keep: set[str]) -> tuple[Tensor, Labels]:
    """a and b multiplied and summed over the labels they share that `keep` does not need."""
    a, la = _sum_away(a, la, keep | set(lb))
    b, lb = _sum_away(b, lb, keep | set(la))
    summed = [lab for lab in la if lab in lb and lab not in keep]
    # A summed label of size 1 on one side only broadcasts: sum the other side over it, drop it from this side.
    for lab in list(summed):
        size_a, size_b = _size(a, la, lab), _size(b, lb, lab)
        if size_a != size_b and 1 in (size_a, size_b):
            summed.remove(lab)
            if size_a == 1:
                a, la = _drop_unit(a, la, lab)
                b, lb = _sum_away(b, lb, set(lb) - {lab})
            else:
                b, lb = _drop_unit(b, lb, lab)
                a, la = _sum_away(a, la, set(la) - {lab})
    batch = [lab for lab in la if lab in lb and lab not in summed]
    a_only = [lab for lab in la if lab not in lb]
    b_only = [lab for lab in lb if lab not in la]
    a_sizes = [_size(a, la, lab) for lab in a_only]
    b_sizes = [_size(b, lb, lab) for lab in b_only]
    batch_a = [_size(a, la, lab) for lab in batch]
    batch_b = [_size(b, lb, lab) for lab in batch]
    out_batch = [max(p, q) for p, q in zip(batch_a, batch_b, strict=True)]
    if not summed:
        # Nothing to sum: a broadcast product, not a matrix product.
        left = reshape(_arrange(a, la, batch + a_only), (*batch_a, *a_sizes, *[1] * len(b_only)))
        right = reshape(_arrange(b, lb, batch + b_only), (*batch_b, *[1] * len(a_only), *b_sizes))
        return ew.mul(left, right), batch + a_only + b_only
    inner = math.prod(_size(a, la, lab) for lab in summed)
    left = reshape(_arrange(a, la, batch + a_only + summed), (*batch_a, math.prod(a_sizes), inner))
    right = reshape(_arrange(b, lb, batch + summed + b_only), (*batch_b, inner, math.prod(b_sizes)))
    product = matmul(left, right)
    return reshape(product, (*out_batch, *a_sizes, *b_sizes)), batch + a_only + b_only


def _check_sizes(operands: list[Tensor], labels: list[Labels], equation: str) -> None:
    sizes: dict[str, int] = {}
    for x, labs in zip(operands, labels, strict=True):
        for lab, size in zip(labs, x.shape, strict=True):
            seen = sizes.setdefault(lab, size)
            if seen != size and 1 not in (seen, size):
                name = "'...'" if lab.startswith("...") else repr(lab)
                raise ValueError(
                    f"einsum: subscript {name} has size {seen} in one operand and {size} in another "
                    f"({equation!r}, shapes {[t.shape for t in operands]})"
                )
            sizes[lab] = max(seen, size)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the labelled dims, as `torch.einsum`: `einsum("bij,bjk->bik", a, b)`; operands may also
    be given as one list. Without '->' the output holds the labels seen once, in alphabetical order.

    >>> a, b = lucid.ones(2, 3), lucid.ones(3, 4)
    >>> lucid.einsum("ij,jk->ik", a, b).shape, lucid.einsum("ii", lucid.ones(3, 3)).item()
    ((2, 4), 3.0)
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors: list[Tensor] = [as_tensor(t) for t in operands]
    spec = equation.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if not tensors or len(terms) != len(tensors):
        raise ValueError(f"einsum: {equation!r} names {len(terms)} operands but {len(tensors)} were given")
    labels = [
        _parse_term(t, x.ndim, None, equation, f"operand {i}")
        for i, (t, x) in enumerate(zip(terms, tensors, strict=True))
    ]
    for i, (labs, x) in enumerate(zip(labels, tensors, strict=True)):
        if len(labs) != x.ndim:
            raise ValueError(
                f"einsum: operand {i} has {x.ndim} dims (shape {x.shape}) but subscripts {terms[i]!r} name {len(labs)}"
            )
    span = max([sum(lab.startswith("...") for lab in labs) for labs in labels])
    # '...' dims align from the right, as broadcasting does: an operand with fewer takes the last ones.
    for i, labs in enumerate(labels):
        count = sum(lab.startswith("...") for lab in labs)
        labels[i] = [f"...{span - count + int(lab[3:])}" if lab.startswith("...") else lab for lab in labs]
    if arrow:
        output = _parse_term(rhs, 0, span, equation, "output")
        if len(set(output)) != len(output):
            raise ValueError(f"einsum: output subscripts {rhs!r} repeat a label ({equation!r})")
        unknown = sorted(
            {lab for lab in output if not lab.startswith("...")} - {lab for labs in labels for lab in labs}
        )
        if unknown:
            raise ValueError(f"einsum: output labels {unknown} appear in no operand ({equation!r})")
    else:
        letters = [lab for labs in labels for lab in labs if not lab.startswith("...")]
        output = [f"...{i}" for i in range(span)] + sorted(lab for lab in set(letters) if letters.count(lab) == 1)
    _check_sizes(tensors, labels, equation)
    pairs = [_diagonal(x, labs) for x, labs in zip(tensors, labels, strict=True)]
    result, result_labels = pairs[0]
    for step in range(1, len(pairs)):
        later = {lab for _, labs in pairs[step + 1 :] for lab in labs}
        result, result_labels = _contract(result, result_labels, *pairs[step], later | set(output))
    result, result_labels = _sum_away(result, result_labels, set(output))
    # Output '...' dims no operand reached (all operands had fewer) cannot occur: span is the largest count.
    return _arrange(result, result_labels, output)


def outer(input: ArrayLike, vec2: ArrayLike) -> Tensor:  # noqa: A002 - PyTorch's argument names
    """The outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j].

    >>> lucid.outer(lucid.tensor([1.0, 2.0]), lucid.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    a, b = as_tensor(input), as_tensor(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: input and vec2 must be 1-D, got shapes {a.shape} and {b.shape}")
    return ew.mul(reshape(a, (a.shape[0], 1)), reshape(b, (1, b.shape[0])))
