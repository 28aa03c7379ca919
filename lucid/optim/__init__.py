"""Optimizers (SGD, Adam, AdamW) and learning-rate schedules (`lucid.optim.lr_scheduler`), as in PyTorch.

>>> opt = lucid.optim.AdamW(model.parameters(), lr=1e-3)
>>> loss.backward(); opt.step(); opt.zero_grad()
"""

from lucid.optim import lr_scheduler
from lucid.optim.adam import Adam, AdamW
from lucid.optim.optimizer import Optimizer
from lucid.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
