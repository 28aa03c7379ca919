"""Learning-rate schedules that rewrite `group["lr"]` of an optimizer once per `step()`, as in PyTorch.

>>> w = lucid.zeros(1, requires_grad=True)
>>> opt = lucid.optim.SGD([w], lr=0.1)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> for epoch in range(4):
...     opt.step(); sched.step()
>>> sched.get_last_lr()
[0.025]

Families: `multiplicative` (factors of the lr: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR,
LinearLR, ExponentialLR, PolynomialLR), `cosine` (CosineAnnealingLR, CosineAnnealingWarmRestarts), `cyclic`
(per-batch cycles with momentum: CyclicLR, OneCycleLR), `composite` (SequentialLR, ChainedScheduler) and
`plateau` (ReduceLROnPlateau).
"""

from lucid.optim.lr_scheduler.base import LRScheduler
from lucid.optim.lr_scheduler.composite import ChainedScheduler, SequentialLR
from lucid.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from lucid.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from lucid.optim.lr_scheduler.multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from lucid.optim.lr_scheduler.plateau import ReduceLROnPlateau

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
