"""The pytest plugin lucid-viz installs (entry point `pytest11`): `pytest --update-goldens` rewrites golden files.

During such a run every `viz.check_golden(...)` writes its file instead of comparing (and says what it changed);
review the diff before committing. Without the flag nothing is ever written.
"""

from __future__ import annotations

import pytest

from viz import golden


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="lucid-viz: rewrite golden files (viz.check_golden) from the current models instead of comparing",
    )


def pytest_configure(config: pytest.Config) -> None:
    golden.request_update(bool(config.getoption("--update-goldens")))


def pytest_unconfigure(config: pytest.Config) -> None:
    golden.request_update(False)
