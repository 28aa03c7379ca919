"""The small parts of the docs generator: docstring sections, signatures, the mkdocs hook's error, the CLI."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lucid import nn
from viz.docs.docstrings import parse_docstring
from viz.docs.signatures import dataclass_lines, format_signature, public_path

REPO = Path(__file__).resolve().parents[2]


def test_docstring_sections_items_continuations_and_examples() -> None:
    doc = parse_docstring(
        """Summary line
        that wraps.

        A second paragraph.

        Args:
            x (int): The input,
                continued here.
            **kwargs: Passed on.

        Returns:
            Twice `x`.

        Validation:
            - `x` is positive.
            - `x` is small.

        >>> f(2)
        4
        """
    )
    assert doc["summary"] == "Summary line that wraps."
    assert doc["body"] == ["A second paragraph."]
    assert doc["sections"]["Args"] == [
        {"name": "x", "type": "int", "text": "The input, continued here."},
        {"name": "**kwargs", "type": "", "text": "Passed on."},
    ]
    assert doc["sections"]["Returns"] == "Twice `x`."
    assert doc["sections"]["Validation"] == "- `x` is positive.\n- `x` is small."
    assert doc["examples"] == [">>> f(2)\n4"]


def test_empty_docstring_gives_empty_parts() -> None:
    assert parse_docstring(None) == {"summary": "", "body": [], "sections": {}, "examples": []}


def test_signatures_spell_lucid_classes_as_model_code_does() -> None:
    @dataclass
    class Config:
        width: int
        act: type[nn.Module] = nn.GELU
        sizes: list[int] = field(default_factory=list)

    assert dataclass_lines(Config) == ["width: int", "act: type[nn.Module] = nn.GELU", "sizes: list[int] = list()"]

    def build(config: Config, *blocks: Any, scale: float = 1.0, **extra: Any) -> nn.Module: ...

    assert format_signature(build) == "(config: Config, *blocks: Any, scale: float = 1.0, **extra: Any) -> nn.Module"
    import lucid.models as models

    assert public_path(models.EfficientFormer) == "lucid.models.EfficientFormer"
    assert public_path(models.efficientformer_l1) == "lucid.models.efficientformer_l1"


def test_site_build_without_the_mermaid_bundle_says_how_to_install_it(tmp_path: Path) -> None:
    from mkdocs.exceptions import PluginError

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import mkdocs_hooks
    finally:
        sys.path.remove(str(REPO / "scripts"))
    config = SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"))
    with pytest.raises(PluginError, match=r"node_modules/mermaid/dist/mermaid.min.js.*npm ci"):
        mkdocs_hooks.on_files([], config)


def test_docs_command_refuses_an_out_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from viz.cli import main

    target = tmp_path / "docs"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["docs", "--out", str(target)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_docs_from_python_show_what_the_command_line_prints(capsys: pytest.CaptureFixture[str]) -> None:
    # `lucid-viz docs` hands the guide its own runner; collect_site() from Python makes the same text itself.
    from viz.cli import main
    from viz.docs.collect import library_cli

    for argv in (["efficientformer_l1"], ["--list"]):
        assert main(argv) == 0
        assert library_cli(argv) == capsys.readouterr().out.rstrip("\n")
