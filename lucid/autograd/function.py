"""`Function`: the base of every differentiable primitive, and the node type of the graph.

An op is a subclass with `forward(*arrays, **options) -> array` and, right beside it,
`backward(grad) -> one gradient (or None) per input`. `apply` is the single place where a
Tensor's array is computed from its inputs and where the graph edge is recorded; the
engine (`engine.py`) undoes broadcasting and accumulates gradients, so a backward may
return gradients in the broadcast shape of its output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from lucid.autograd.grad_mode import is_grad_enabled

if TYPE_CHECKING:
    from lucid.tensor import Tensor


class Function:
    """One differentiable primitive; an instance is the graph node that made a Tensor."""

    # Every concrete subclass, by name: the gradient-check test walks this table so that
    # no op can be added without a finite-difference check.
    registry: ClassVar[dict[str, type[Function]]] = {}
    # Whether backward reads the input arrays; if so an in-place change to an input
    # between forward and backward is an error instead of a silently wrong gradient.
    reads_inputs: ClassVar[bool] = True

    parents: tuple[Tensor, ...]
    _versions: tuple[int, ...]
    _released: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            Function.registry[cls.__name__] = cls

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **options: Any) -> Tensor:
        """Run the op on tensors; record the graph edge when a gradient will be needed."""
        from lucid.tensor import Tensor

        fn = cls()
        out = fn.forward(*[t._data for t in inputs], **options)
        requires_grad = is_grad_enabled() and any(t.requires_grad for t in inputs)
        result = Tensor._wrap(out, requires_grad)
        if requires_grad:
            fn.parents = inputs
            if cls.reads_inputs:
                fn._versions = tuple(t._version for t in inputs)
            result._ctx = fn
        return result

    def check_unchanged(self) -> None:
        """Refuse to differentiate through an input that was modified in place after use."""
        if self._released:
            raise RuntimeError(
                f"{type(self).__name__}: the graph was already freed by an earlier backward(); "
                "call backward(retain_graph=True) the first time to differentiate twice"
            )
        if not self.reads_inputs:
            return
        for index, (tensor, version) in enumerate(zip(self.parents, self._versions, strict=True)):
            if tensor._version != version:
                raise RuntimeError(
                    f"{type(self).__name__}: input {index} (shape {tensor.shape}) was modified in "
                    "place after it was used, and backward needs its old value; "
                    "compute a new tensor instead of modifying it in place"
                )

    def release(self) -> None:
        """Drop saved arrays and parents once backward has run (the graph is freed)."""
        self.__dict__.clear()
        self.parents = ()
        self._released = True
