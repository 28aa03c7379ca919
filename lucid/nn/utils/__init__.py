"""Training utilities, as in `torch.nn.utils`: gradient clipping and flattening parameters into one vector.

>>> model = nn.Linear(4, 2)
>>> (model(lucid.randn(8, 4)) ** 2).sum().backward()
>>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> total.item() > 1.0, round(float(nn.utils.get_total_norm([p.grad for p in model.parameters()])), 4)
(True, 1.0)
"""

from lucid.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from lucid.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]
