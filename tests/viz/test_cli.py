"""The `lucid-viz` command: the installed entry point prints the reference chart, every option does what its help
says, and bad input gives one line on stderr with exit code 2 (usage) or 1 (the model failed), never a traceback.

A few runs go through a real process (the installed script and `python -m viz`); the rest call `viz.cli.main(argv)`
in-process, which is the same code without the start-up cost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lucid.models as models
import viz
from lucid.models.efficientformer_blocks import _Downsample
from viz.cli import main
from viz.ir import Trace
from viz.render.palette import ERROR_COLOURS

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "efficientformer_l1.mmd"


def _entry_point() -> list[str]:
    script = Path(sys.executable).parent / "lucid-viz"
    return [str(script)] if script.exists() else [sys.executable, "-m", "viz"]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    # Run from a scratch directory so the repo on the current path cannot stand in for the installed package.
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=REPO / "tests")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines()]


def _cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- real processes --------------------------------------------------------------------------------------------


def test_the_installed_command_prints_the_reference_chart() -> None:
    result = _run([*_entry_point(), "efficientformer_l1"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert _lines(result.stdout) == _lines(GOLDEN.read_text(encoding="utf-8"))


def test_python_m_viz_reports_a_model_failure_in_one_line_with_exit_1() -> None:
    result = _run([sys.executable, "-m", "viz", "efficientformer_l1", "--input-shape", "1,3,256,256"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("lucid-viz: error: efficientformer_l1: stages.3.blocks.4.token_mixer: ")
    assert "7×7 attention grid" in result.stderr and "(input shapes (1,3,256,256))" in result.stderr


def test_python_m_viz_reports_an_unknown_model_with_suggestions_and_exit_2() -> None:
    result = _run([sys.executable, "-m", "viz", "efficientformer_l2"])
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "unknown model 'efficientformer_l2'" in result.stderr and "'efficientformer_l1'" in result.stderr


# ---- options ---------------------------------------------------------------------------------------------------


def test_in_process_output_matches_the_reference(capsys) -> None:
    code, out, err = _cli(capsys, "efficientformer_l1")
    assert (code, err) == (0, "")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_list_names_every_registered_model(capsys) -> None:
    code, out, err = _cli(capsys, "--list")
    assert (code, err) == (0, "")
    assert out.splitlines() == models.list_models()


def test_help_has_examples(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "examples:" in out and "lucid-viz efficientformer_l1" in out
    for option in ("--depth", "--input-shape", "--format", "--output", "--list", "--direction", "--no-collapse"):
        assert option in out
    for option in ("--show-params", "--partial", "--num-classes"):
        assert option in out


def test_depth_and_direction(capsys) -> None:
    code, out, _ = _cli(capsys, "efficientformer_l1", "--depth", "1", "--direction", "TB")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "flowchart TB" and '"curve":"monotoneY"' in lines[0]
    assert out == viz.mermaid(models.efficientformer_l1(), depth=1, direction="TB")
    # Depth 1: the model's direct children are leaves, so no nested subgraphs.
    assert sum(line.startswith("subgraph") for line in lines) == 1


def test_input_shape_reaches_the_trace(capsys) -> None:
    code, out, _ = _cli(capsys, "efficientformer_l1", "--input-shape", "2,3,224,224", "--format", "json")
    assert code == 0
    trace = Trace.from_json(out)
    assert trace.input_shapes == [(2, 3, 224, 224)] and trace.output_shapes == [(2, 1000)]
    assert trace == viz.trace(models.efficientformer_l1(), (2, 3, 224, 224))


def test_markdown_wraps_the_chart_in_a_mermaid_fence(capsys) -> None:
    code, out, _ = _cli(capsys, "efficientformer_l1", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "```mermaid" and lines[-1] == "```"
    # GitHub and mkdocs render with mermaid 11, which keeps a span's colour only when it comes last.
    _, safe, _ = _cli(capsys, "efficientformer_l1", "--colour-safe")
    assert "\n".join(lines[1:-1]) + "\n" == safe
    assert safe != GOLDEN.read_text(encoding="utf-8") and "font-weight:400;color:#c53030'>" in safe


def test_output_file_and_saved_trace_round_trip(capsys, tmp_path: Path) -> None:
    saved = tmp_path / "l1.json"
    code, out, err = _cli(capsys, "efficientformer_l1", "--format", "json", "-o", str(saved))
    assert (code, out, err) == (0, "", "")
    chart = tmp_path / "l1.mmd"
    code, out, err = _cli(capsys, str(saved), "--output", str(chart))
    assert (code, out, err) == (0, "", "")
    assert chart.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_no_collapse_and_show_params(capsys) -> None:
    code, out, _ = _cli(capsys, "efficientformer_l1", "--no-collapse", "--show-params")
    assert code == 0
    assert " x 3" not in out
    # Each of the four stages is drawn, and parameter counts appear on nodes.
    assert out.count('["_EfficientFormerStage<br/>') == 4
    assert " params</span>" in out


def test_edges_and_show_shapes(capsys) -> None:
    # Below the blocks the data edges draw each block's residual adds; the order of calls draws none.
    code, data, _ = _cli(capsys, "efficientformer_l1", "--depth", "5", "--show-shapes")
    assert code == 0 and data.count('(("add<br/>') == 10
    assert "m3[\"BatchNorm2d<br/><span style='font-size:11px;color:#2c7a7b;font-weight:400'>(1,24,112,112) → " in data
    code, calls, _ = _cli(capsys, "efficientformer_l1", "--depth", "5", "--edges", "calls")
    assert code == 0 and "((" not in calls and calls != data
    # At the default depth both give the reference chart.
    assert _cli(capsys, "efficientformer_l1", "--edges", "calls")[1] == GOLDEN.read_text(encoding="utf-8")


def test_num_classes_is_passed_to_the_model(capsys) -> None:
    code, out, _ = _cli(capsys, "efficientformer_l1", "--num-classes", "10")
    assert code == 0
    assert "(1,448) → (1,10)" in out and "(1,10)</span>" in out
    assert "(1,1000)" not in out


def test_partial_draws_what_ran_with_the_failing_node_in_red(capsys, monkeypatch) -> None:
    def fail(self, x):
        raise ValueError("downsample refused the input")

    monkeypatch.setattr(_Downsample, "forward", fail)
    code, out, err = _cli(capsys, "efficientformer_l1")
    assert (code, out) == (1, "")
    assert err == (
        "lucid-viz: error: efficientformer_l1: stages.1.downsample: downsample refused the input "
        "(input shapes (1,48,56,56))\n"
    )
    code, out, err = _cli(capsys, "efficientformer_l1", "--partial")
    assert code == 0
    assert "stages.1.downsample" in err  # the failure is still reported
    fill, stroke = ERROR_COLOURS
    red = [line for line in out.splitlines() if line.startswith("style m") and f"fill:{fill},stroke:{stroke}" in line]
    assert len(red) == 1
    node = red[0].split()[1]
    assert f'{node}["_Downsample' in out and f"{node} --> error;" in out
    assert 'error["Error in stages.1.downsample<br/>' in out and "output[" not in out


# ---- bad input -------------------------------------------------------------------------------------------------

USAGE_ERRORS = [
    (["efficientformer_l2"], "unknown model 'efficientformer_l2'; did you mean"),
    (["efficientformer_l1", "--input-shape", "1,3,a,224"], "is not a list of integers"),
    (["efficientformer_l1", "--input-shape", "1,3,,224"], "is not a list of integers"),
    (["efficientformer_l1", "--input-shape", "1,3,0,224"], "only positive sizes"),
    (["efficientformer_l1", "--input-shape=-1,3,224,224"], "only positive sizes"),
    (["efficientformer_l1", "--depth", "-1"], "--depth must be an int >= 0"),
    (["efficientformer_l1", "--depth", "two"], "invalid int value: 'two'"),
    (["efficientformer_l1", "--format", "svg"], "--format 'svg' is not one of"),
    (["efficientformer_l1", "--direction", "RL"], "--direction must be one of LR, TB, got 'RL'"),
    (["efficientformer_l1", "--edges", "tensors"], "--edges must be one of data, calls, got 'tensors'"),
    (["efficientformer_l1", "--format", "json", "--edges", "x"], "--edges must be one of data, calls, got 'x'"),
    (["efficientformer_l1", "--num-classes", "-2"], "--num-classes must be >= 0"),
    (["efficientformer_l1", "--set", "colour=red"], "unexpected keyword argument 'colour'"),
    (["efficientformer_l1", "--bogus"], "unrecognized arguments: --bogus"),
    (["efficientformer_l1", "-o", "/nonexistent-dir/chart.mmd"], "cannot write /nonexistent-dir/chart.mmd"),
    (["missing.json"], "missing.json: no such trace file"),
    ([], "name a model"),
]


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS, ids=[" ".join(a) or "no-args" for a, _ in USAGE_ERRORS])
def test_usage_errors_exit_2_with_one_line(capsys, argv: list[str], message: str) -> None:
    code, out, err = _cli(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("lucid-viz: error: ") and err.count("\n") == 1
    assert message in err


MODEL_ERRORS = [
    ("3,224,224", "stem.conv1: expected input of shape (N, 3, H, W), got shape (3, 224, 224)"),
    ("1,4,224,224", "stem.conv1: expected input of shape (N, 3, H, W), got shape (1, 4, 224, 224)"),
    ("1,3,256,256", "stages.3.blocks.4.token_mixer: expected 49 tokens (7×7 attention grid), got 64"),
    ("1,3,64,64", "got 4 (input 64×64)"),
]


@pytest.mark.parametrize(("shape", "message"), MODEL_ERRORS, ids=[s for s, _ in MODEL_ERRORS])
def test_inputs_the_model_cannot_take_exit_1_with_one_line(capsys, shape: str, message: str) -> None:
    code, out, err = _cli(capsys, "efficientformer_l1", "--input-shape", shape)
    assert (code, out) == (1, "")
    assert err.startswith("lucid-viz: error: efficientformer_l1: ") and err.count("\n") == 1
    assert message in err
    assert err.rstrip().endswith(f"(input shapes ({shape}))")


def test_a_broken_trace_file_is_a_usage_error(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    code, out, err = _cli(capsys, str(bad))
    assert (code, out) == (2, "")
    assert "is not a lucid-viz trace" in err and err.count("\n") == 1


def test_an_output_path_that_is_a_directory_is_a_usage_error(capsys, tmp_path: Path) -> None:
    code, out, err = _cli(capsys, "efficientformer_l1", "-o", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"lucid-viz: error: cannot write {tmp_path}: Is a directory\n"
