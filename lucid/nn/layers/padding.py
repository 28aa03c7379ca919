"""Padding layers, 1-, 2- and 3-d: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad, as PyTorch's.

`padding` is one int for every side or 2 * d ints, last axis first: (left, right[, top, bottom[, front, back]]),
as `F.pad` takes them; negative values crop.
"""

from __future__ import annotations

from typing import ClassVar

from lucid.autograd.ops.conv import LAYOUTS, IntTuple, ntuple
from lucid.autograd.ops.padding import pad_as
from lucid.nn.layers._checks import check_input
from lucid.nn.module import Module
from lucid.tensor import Tensor


class _PadNd(Module):
    _nd: ClassVar[int] = 2
    _mode: ClassVar[str] = "constant"

    def __init__(self, padding: IntTuple) -> None:
        super().__init__()
        self.padding = ntuple(padding, 2 * self._nd, "padding", type(self).__name__)

    def forward(self, x: Tensor) -> Tensor:
        where = type(self).__name__
        check_input(where, x, LAYOUTS[self._nd])
        return pad_as(where, x, self.padding, self._mode, None)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: IntTuple, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        # Constant padding takes any input with at least d axes, as PyTorch's.
        where = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim < self._nd:
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{where}: expected input with at least {self._nd} dimensions, got {shape}")
        return pad_as(where, x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with `value`, as `torch.nn.ConstantPad1d`.

    >>> nn.ConstantPad1d((1, 2), 3.5)(lucid.zeros(1, 2)).tolist()
    [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with `value`, as `torch.nn.ConstantPad2d`.

    >>> nn.ConstantPad2d((1, 1, 2, 0), -1.0)(lucid.zeros(1, 3, 4, 4)).shape
    (1, 3, 6, 6)
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three axes with `value`, as `torch.nn.ConstantPad3d`.

    >>> nn.ConstantPad3d(1, 0.5)(lucid.zeros(1, 2, 3, 3, 3)).shape
    (1, 2, 5, 5, 5)
    """

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: IntTuple) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last axis with zeros, as `torch.nn.ZeroPad1d`.

    >>> nn.ZeroPad1d(2)(lucid.ones(1, 2, 3)).shape
    (1, 2, 7)
    """

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two axes with zeros, as `torch.nn.ZeroPad2d`.

    >>> nn.ZeroPad2d((0, 1, 0, 1))(lucid.ones(1, 3, 4, 4)).shape
    (1, 3, 5, 5)
    """

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three axes with zeros, as `torch.nn.ZeroPad3d`.

    >>> nn.ZeroPad3d((1, 1, 0, 0, 2, 2))(lucid.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 6, 2, 4)
    """

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Pad the last axis with its reflection about the edge element, as `torch.nn.ReflectionPad1d`.

    >>> nn.ReflectionPad1d(2)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two axes with their reflection, as `torch.nn.ReflectionPad2d`.

    >>> nn.ReflectionPad2d(1)(lucid.randn(1, 3, 4, 4)).shape
    (1, 3, 6, 6)
    """

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three axes with their reflection, as `torch.nn.ReflectionPad3d`.

    >>> nn.ReflectionPad3d(1)(lucid.randn(1, 3, 2, 4, 4)).shape
    (1, 3, 4, 6, 6)
    """

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last axis by repeating its edge elements, as `torch.nn.ReplicationPad1d`.

    >>> nn.ReplicationPad1d((1, 2))(lucid.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 2.0, 2.0, 2.0]]
    """

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two axes by repeating their edge elements, as `torch.nn.ReplicationPad2d`.

    >>> nn.ReplicationPad2d((1, 0, 2, 0))(lucid.randn(1, 3, 4, 4)).shape
    (1, 3, 6, 5)
    """

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three axes by repeating their edge elements, as `torch.nn.ReplicationPad3d`.

    >>> nn.ReplicationPad3d(1)(lucid.randn(1, 3, 2, 4, 4)).shape
    (1, 3, 4, 6, 6)
    """

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last axis by wrapping around (the right end continues on the left), as `torch.nn.CircularPad1d`.

    >>> nn.CircularPad1d(1)(lucid.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 1.0, 2.0, 3.0, 1.0]]
    """

    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two axes by wrapping around, as `torch.nn.CircularPad2d`.

    >>> nn.CircularPad2d((1, 1, 0, 2))(lucid.randn(1, 3, 4, 4)).shape
    (1, 3, 6, 6)
    """

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three axes by wrapping around, as `torch.nn.CircularPad3d`.

    >>> nn.CircularPad3d(1)(lucid.randn(1, 3, 2, 4, 4)).shape
    (1, 3, 4, 6, 6)
    """

    _nd, _mode = 3, "circular"
