"""Optimizers and learning-rate schedules (`lucid.optim.lr_scheduler`), as in PyTorch.

>>> model = nn.Linear(4, 2)
>>> opt = lucid.optim.AdamW(model.parameters(), lr=1e-3)
>>> loss = (model(lucid.randn(8, 4)) ** 2).mean()
>>> loss.backward(); opt.step(); opt.zero_grad()
>>> model.weight.grad is None  # zero_grad clears the gradients for the next step
True
"""

from lucid.optim import lr_scheduler
from lucid.optim.adam import Adam, AdamW
from lucid.optim.adam_variants import Adamax, NAdam, RAdam
from lucid.optim.adaptive import Adadelta, Adagrad, RMSprop
from lucid.optim.asgd import ASGD
from lucid.optim.lbfgs import LBFGS
from lucid.optim.optimizer import Optimizer
from lucid.optim.rprop import Rprop
from lucid.optim.sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
]
