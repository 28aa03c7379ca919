"""`Parameter`: a Tensor that a Module registers as a learnable weight when assigned to it."""

from __future__ import annotations

from lucid.tensor import ArrayLike, Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad; assigning one to a Module attribute registers it.

    >>> layer = nn.Linear(8, 8)
    >>> layer.scale = Parameter(lucid.ones(8))
    >>> [name for name, _ in layer.named_parameters()]
    ['weight', 'bias', 'scale']
    """

    __slots__ = ()
    _keeps_writes = True  # in-place writes are kept in an open journal (lucid._structure), so a tracer can undo them

    def __init__(self, data: ArrayLike, requires_grad: bool = True) -> None:
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
