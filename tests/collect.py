"""Load test files by path, for the coverage tests that gather case tables from every file of a family."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_test_module(path: Path, prefix: str) -> ModuleType:
    """Import `path` as a module of its own (named `prefix` + its stem), registered in sys.modules while it runs,
    as a normal import would: dataclasses and typing in the file look their module up there."""
    name = f"{prefix}{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load test file {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
