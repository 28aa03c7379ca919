"""Flatten parameters into one vector and back, as `torch.nn.utils.parameters_to_vector` / `vector_to_parameters`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

import lucid
from lucid.tensor import Tensor


def _tensors(where: str, parameters: Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        raise TypeError(f"{where}: expected an iterable of Tensors (e.g. model.parameters()), got a single Tensor "
                        f"of shape {parameters.shape}; wrap it in a list")  # fmt: skip
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: parameters[{i}] is a {type(p).__name__}, not a lucid Tensor")
    return params


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-d tensor (differentiable, like PyTorch's).

    >>> layer = nn.Linear(3, 2)
    >>> nn.utils.parameters_to_vector(layer.parameters()).shape  # 2*3 weights + 2 biases
    (8,)
    """
    params = _tensors("parameters_to_vector", parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return lucid.concatenate([p.reshape(-1) for p in params], axis=0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d `vec` into the parameters, in order, in place (each keeps its dtype).

    >>> layer = nn.Linear(3, 2)
    >>> nn.utils.vector_to_parameters(lucid.arange(8.0), layer.parameters())
    >>> layer.bias.tolist()
    [6.0, 7.0]
    """
    where = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{where}: expected vec to be a lucid Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"{where}: expected a 1-d vec, got shape {vec.shape}")
    params = _tensors(where, parameters)
    total = sum(p.size for p in params)
    if vec.shape[0] != total:
        raise ValueError(f"{where}: vec has {vec.shape[0]} entries but the parameters have {total} in all")
    values = vec.data
    offset = 0
    for p in params:
        data = p.data
        np.copyto(data, values[offset : offset + p.size].reshape(p.shape), casting="unsafe")
        p.data = data  # an in-place write: autograd sees the version change
        offset += p.size
