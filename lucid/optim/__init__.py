"""Optimizers (SGD, Adam, AdamW) and learning-rate schedules (`lucid.optim.lr_scheduler`), as in PyTorch.

>>> model = nn.Linear(4, 2)
>>> opt = lucid.optim.AdamW(model.parameters(), lr=1e-3)
>>> loss = (model(lucid.randn(8, 4)) ** 2).mean()
>>> loss.backward(); opt.step(); opt.zero_grad()
>>> model.weight.grad is None  # zero_grad clears the gradients for the next step
True
"""

from lucid.optim import lr_scheduler
from lucid.optim.adam import Adam, AdamW
from lucid.optim.optimizer import Optimizer
from lucid.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
