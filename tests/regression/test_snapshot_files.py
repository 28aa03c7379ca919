"""Golden files that do not read as exactly one snapshot are errors, never silent passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from regression_nets import small_cnn

from viz.cli import main
from viz.golden import check_golden, update_golden


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    """A freshly written golden file of the small user CNN."""
    return update_golden(small_cnn(), tmp_path).path


def _edit(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def _line_of(lines: list[str], start: str) -> int:
    return next(index for index, line in enumerate(lines) if line.startswith(start))


def test_a_record_listed_twice_is_an_error_naming_both_lines(golden: Path) -> None:
    # A merge gone wrong: the head's line appears twice. Reading it would keep one and check less than it says.
    def duplicate_head(lines: list[str]) -> list[str]:
        index = _line_of(lines, "head ")
        return [*lines[: index + 1], lines[index], *lines[index + 1 :]]

    _edit(golden, duplicate_head)
    with pytest.raises(ValueError, match=r"SmallCNN\.txt:16: head is listed twice \(first on line 15\)"):
        check_golden(small_cnn(), golden.parent, update=False)


def test_a_header_line_listed_twice_is_an_error(golden: Path) -> None:
    _edit(golden, lambda lines: [*lines[:4], lines[3], *lines[4:]])  # the 'input' line twice
    with pytest.raises(ValueError, match=r"SmallCNN\.txt:5: expected the 'output' line, got 'input \(1,3,16,16\)'"):
        check_golden(small_cnn(), golden.parent, update=False)


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        ("", r"not a lucid-viz snapshot \(the first line should start '# lucid-viz snapshot ', got '# Regenerate"),
        ("# lucid-viz snapshot 2: from a newer lucid-viz\n", r"SmallCNN\.txt:1: snapshot format '2'; this lucid-viz"),
        ("# some other file\n", r"not a lucid-viz snapshot"),
    ],
)
def test_a_missing_or_foreign_header_is_an_error(golden: Path, first_line: str, message: str) -> None:
    _edit(golden, lambda lines: [first_line, *lines[1:]])
    with pytest.raises(ValueError, match=message):
        check_golden(small_cnn(), golden.parent, update=False)


@pytest.mark.parametrize(
    ("start", "replacement"),
    [
        ("head ", "head Linear params=45 in=(1,8) out=(1,5) macs=40 extra=1\n"),  # a field too many
        ("head ", "head Linear params=45 in=(1,8) macs=40\n"),  # a field missing
        ("head ", "head Linear macs=40 in=(1,8) out=(1,5) params=45\n"),  # fields out of order
        ("head ", "head #1 Linear params=45 in=(1,8) out=(1,5) macs=40\n"),  # the first call carries no number
        ("params ", "params many\n"),
    ],
)
def test_a_malformed_line_is_an_error_naming_it(golden: Path, start: str, replacement: str) -> None:
    def replace(lines: list[str]) -> list[str]:
        index = _line_of(lines, start)
        return [*lines[:index], replacement, *lines[index + 1 :]]

    _edit(golden, replace)
    with pytest.raises(ValueError, match=r"SmallCNN\.txt"):
        check_golden(small_cnn(), golden.parent, update=False)


def test_a_byte_order_mark_and_windows_line_ends_are_tolerated(golden: Path) -> None:
    text = golden.read_text(encoding="utf-8")
    golden.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    assert check_golden(small_cnn(), golden.parent, update=False) == golden


def test_the_cli_check_of_a_malformed_file_is_one_line_and_exit_2(
    golden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(golden, lambda lines: [*lines, lines[-1]])
    code = main(["snapshot", "regression_nets:small_cnn", "--out", str(golden.parent), "--check"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "is listed twice" in err and "Traceback" not in err
