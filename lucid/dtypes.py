"""The dtypes lucid uses (NumPy's), and how Python data maps onto them."""

from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

DEFAULT_FLOAT = float32

DTypeLike = Any  # a NumPy dtype, a NumPy scalar type, or a name such as "float32"


def resolve(dtype: DTypeLike) -> np.dtype:
    """Turn a user-given dtype into a NumPy dtype, with a clear error for nonsense."""
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"unknown dtype {dtype!r}; use e.g. lucid.float32, lucid.int64 or 'bool'") from exc


def default_for(array: np.ndarray) -> np.ndarray:
    """Map Python data converted by NumPy onto lucid's defaults: float32 and int64."""
    if array.dtype == np.float64:
        return array.astype(DEFAULT_FLOAT)
    if array.dtype.kind in "iu" and array.dtype != np.int64:
        return array.astype(np.int64)
    return array
