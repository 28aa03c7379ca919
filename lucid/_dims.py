"""PyTorch's argument spellings beside lucid's own: `dim=` for `axis=`, `keepdim=` for `keepdims=`.

One decorator, `dim_aliases`, gives a function (and so the Tensor method attached from it) the other library's
spelling of each of these arguments. The function is written with one spelling, lucid's (`axis`, `keepdims`,
`start_axis`, `end_axis`) or PyTorch's (`dim`, `keepdim`, ...); a caller may use either, but not both at once:
that is a TypeError naming both. A call that passes neither pays one `if kwargs` test.

>>> x = lucid.ones(2, 3)
>>> x.sum(dim=1).shape, x.sum(axis=1, keepdim=True).shape
((2,), (2, 1))
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# (lucid's spelling, PyTorch's spelling) of the same argument.
ALIAS_PAIRS: tuple[tuple[str, str], ...] = (
    ("axis", "dim"),
    ("keepdims", "keepdim"),
    ("start_axis", "start_dim"),
    ("end_axis", "end_dim"),
)


def dim_aliases(fn: F) -> F:
    """Let `fn` take the other spelling of each axis argument it has (see the module docstring)."""
    params = inspect.signature(fn).parameters
    renames: list[tuple[str, str]] = []  # (spelling the caller may use, spelling fn takes)
    for ours, theirs in ALIAS_PAIRS:
        if ours in params:
            renames.append((theirs, ours))
        elif theirs in params:
            renames.append((ours, theirs))
    if not renames:
        raise TypeError(f"dim_aliases: {fn.__name__}() has none of the arguments {[p for p in ALIAS_PAIRS]}")
    name = fn.__name__
    positional = [
        p.name for p in params.values() if p.kind in (inspect.Parameter.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    # (alias, canonical name, how many positional arguments reach the canonical one)
    pairs = tuple(
        (alias, canonical, positional.index(canonical) + 1 if canonical in positional else 10**9)
        for alias, canonical in renames
    )

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, canonical, reach in pairs:
                if alias in kwargs:
                    if canonical in kwargs or len(args) >= reach:
                        raise TypeError(
                            f"{name}() got both {canonical}= and {alias}=, two spellings of the same argument "
                            f"(lucid's and PyTorch's); pass only one"
                        )
                    kwargs[canonical] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    # help() and inspect show the accepted aliases as keyword-only arguments.
    signature = inspect.signature(fn)
    extra = [inspect.Parameter(alias, inspect.Parameter.KEYWORD_ONLY, default=None) for alias, _ in renames]
    ordered = list(signature.parameters.values())
    var_kw = [p for p in ordered if p.kind is inspect.Parameter.VAR_KEYWORD]
    rest = [p for p in ordered if p.kind is not inspect.Parameter.VAR_KEYWORD]
    wrapper.__signature__ = signature.replace(parameters=[*rest, *extra, *var_kw])  # type: ignore[attr-defined]
    wrapper.__wrapped_dims__ = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def normalize_dim(dim: Any, ndim: int, shape: tuple[int, ...], what: str, arg: str = "dim") -> int:
    """One axis as a non-negative int; an error naming `what` (the function), the argument and the shape otherwise.

    A 0-d tensor accepts 0 and -1, as in PyTorch.
    """
    if isinstance(dim, bool) or not isinstance(dim, int):
        try:
            dim = dim.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"{what}: {arg} must be an int, got {dim!r}") from None
    limit = ndim if ndim > 0 else 1
    if not -limit <= dim < limit:
        raise ValueError(f"{what}: {arg} {dim} is out of range for a tensor of shape {shape} ({ndim} dimensions)")
    return dim % limit
