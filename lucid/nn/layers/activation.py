"""Activation layers: thin modules over lucid.nn.functional's activations, with PyTorch's arguments and reprs.

`inplace` is accepted wherever PyTorch takes it (and shown in the repr as PyTorch shows it); the result is always
a new tensor, which gives the same values and gradients.
"""

from __future__ import annotations

import warnings

from lucid import creation
from lucid.nn import init as initializers
from lucid.nn.functional import activation as F  # noqa: N812 - the conventional spelling
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.tensor import Tensor


def _inplace_repr(inplace: bool, prefix: str = "") -> str:
    if not inplace:
        return prefix
    return f"{prefix}, inplace=True" if prefix else "inplace=True"


class ReLU(Module):
    """max(x, 0), as `torch.nn.ReLU`.

    >>> nn.ReLU()(lucid.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardtanh(Module):
    """`x` clamped to [min_val, max_val], as `torch.nn.Hardtanh`.

    >>> nn.Hardtanh(-2, 2)(lucid.tensor([-3.0, 1.0, 3.0]))
    tensor([-2.,  1.,  2.])
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        # PyTorch's deprecated spellings, with its warning.
        if min_value is not None:
            warnings.warn("Hardtanh: min_value is deprecated; use min_val", FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("Hardtanh: max_value is deprecated; use max_val", FutureWarning, stacklevel=2)
            max_val = max_value
        if max_val <= min_val:
            raise ValueError(f"{type(self).__name__}: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6), as `torch.nn.ReLU6`.

    >>> nn.ReLU6()(lucid.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x, as `torch.nn.LeakyReLU`.

    >>> nn.LeakyReLU(0.1)(lucid.tensor([-2.0, 3.0]))
    tensor([-0.2,  3. ])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"negative_slope={self.negative_slope}")


class PReLU(Module):
    """Leaky ReLU with learned slopes: one shared (`num_parameters=1`) or one per channel (axis 1), each starting at
    `init`, as `torch.nn.PReLU`.

    >>> prelu = nn.PReLU(3)
    >>> prelu.weight.shape, prelu(lucid.ones(2, 3, 4) * -1).numpy()[0, 0, 0]
    ((3,), np.float32(-0.25))
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: object = None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.zeros(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        initializers.constant_(self.weight, self.init)

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, else alpha * (exp(x) - 1), as `torch.nn.ELU`.

    >>> nn.ELU()(lucid.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.    ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"alpha={self.alpha}")


class CELU(ELU):
    """x for x > 0, else alpha * (exp(x / alpha) - 1), as `torch.nn.CELU`.

    >>> nn.CELU(2.0)(lucid.tensor([-1.0, 1.0]))
    tensor([-0.7869,  1.    ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        if alpha == 0:
            raise ValueError("CELU: alpha must not be 0 (the input is divided by it)")
        super().__init__(alpha, inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class SELU(Module):
    """Self-normalizing ELU with PyTorch's fixed constants, as `torch.nn.SELU`.

    >>> nn.SELU()(lucid.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Hardsigmoid(Module):
    """0 below -3, 1 above 3, x / 6 + 1/2 between, as `torch.nn.Hardsigmoid`.

    >>> nn.Hardsigmoid()(lucid.tensor([-4.0, 0.0, 1.5]))
    tensor([0.  , 0.5 , 0.75])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)


class Hardswish(Hardsigmoid):
    """x * hardsigmoid(x), as `torch.nn.Hardswish`.

    >>> nn.Hardswish()(lucid.tensor([-4.0, 1.5, 4.0]))
    tensor([-0.   ,  1.125,  4.   ])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)


class Mish(Module):
    """x * tanh(softplus(x)), as `torch.nn.Mish`.

    >>> nn.Mish()(lucid.tensor([-1.0, 1.0]))
    tensor([-0.3034,  0.8651])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear above `threshold`, as `torch.nn.Softplus`.

    >>> nn.Softplus(beta=2.0)(lucid.tensor([0.0, 20.0]))
    tensor([ 0.3466, 20.    ])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|), as `torch.nn.Softsign`.

    >>> nn.Softsign()(lucid.tensor([-3.0, 1.0]))
    tensor([-0.75,  0.5 ])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class GELU(Module):
    """Gaussian error linear unit, exact (`approximate="none"`) or tanh-approximated, as `torch.nn.GELU`.

    >>> nn.GELU()(lucid.tensor([1.0]))
    tensor([0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x), as `torch.nn.SiLU`.

    >>> nn.SiLU()(lucid.tensor([1.0]))
    tensor([0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), as `torch.nn.Sigmoid`.

    >>> nn.Sigmoid()(lucid.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent, as `torch.nn.Tanh`.

    >>> nn.Tanh()(lucid.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class GLU(Module):
    """Gated linear unit over `dim`: first half * sigmoid(second half), as `torch.nn.GLU`.

    >>> nn.GLU()(lucid.randn(4, 6)).shape
    (4, 3)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(Module):
    """Softmax along `dim`, as `torch.nn.Softmax`.

    >>> nn.Softmax(dim=-1)(lucid.tensor([[1.0, 1.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        # dim=None: PyTorch's legacy implicit choice of axis, with its warning (in F.softmax).
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, as `torch.nn.LogSoftmax`.

    >>> nn.LogSoftmax(dim=1)(lucid.zeros(1, 2))
    tensor([[-0.6931, -0.6931]])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)
