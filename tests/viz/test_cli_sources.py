"""`lucid-viz SOURCE` for a user's own models: `package.module:attr` importable from the current directory,
`path/to/file.py:attr`, factories, classes and model objects, `--set` options, several and integer inputs, train
mode; and every way this can go wrong is one line on stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import viz
import viz.files
from viz.cli import main

REPO = Path(__file__).resolve().parents[2]

NETS = textwrap.dedent(
    '''
    from lucid import Tensor, nn


    class Tiny(nn.Module):
        """A conv and a head; `width` is an option."""

        def __init__(self, width: int = 4) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, width, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Linear(width, 2)

        def forward(self, x: Tensor) -> Tensor:
            return self.head(self.pool(self.conv(x)).flatten(1))


    def build(width: int = 4) -> nn.Module:
        return Tiny(width)


    def broken() -> nn.Module:
        raise RuntimeError("checkpoint missing")


    def not_a_model() -> int:
        return 3


    class Tokens(nn.Module):
        """Token ids and a float mask: two inputs, the first integer."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(50, 8)
            self.proj = nn.Linear(8, 3)

        def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
            return self.proj(self.embed(ids)) * mask


    class ModeShaped(nn.Module):
        """Returns the features in training and pooled features in eval, so the mode shows in the chart."""

        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 6)

        def forward(self, x: Tensor) -> Tensor:
            y = self.fc(x)
            return y if self.training else y.mean(1)


    tiny = Tiny(3)
    answer = 42
    '''
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project folder holding `mynets/nets.py` and a loose `scripts/model_file.py`, as the cwd."""
    package = tmp_path / "mynets"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "nets.py").write_text(NETS, encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "model_file.py").write_text(NETS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in [m for m in sys.modules if m == "mynets" or m.startswith("mynets.")]:
        del sys.modules[name]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 2) -> str:
    found, out, err = _cli(capsys, *argv)
    assert (found, out) == (code, ""), err
    assert err.startswith("lucid-viz: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "source",
    ["mynets.nets:build", "mynets.nets:Tiny", "mynets.nets:tiny", "scripts/model_file.py:build",
     "scripts/model_file.py:Tiny"],
)  # fmt: skip
def test_a_users_model_is_drawn_from_every_source_form(
    project: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    code, out, err = _cli(capsys, source, "--input-shape", "1,3,8,8", "--show-shapes")
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == "flowchart LR"
    assert ">Tiny</span>" in out  # titled by its class
    width = 3 if source.endswith(":tiny") else 4
    assert f"(1,3,8,8) → (1,{width},8,8)" in out and f"(1,{width}) → (1,2)" in out


def test_set_passes_options_to_the_factory_and_the_class(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for source in ("mynets.nets:build", "scripts/model_file.py:Tiny"):
        code, out, _ = _cli(capsys, source, "--input-shape", "1,3,8,8", "--set", "width=7", "--show-shapes")
        assert code == 0 and "(1,3,8,8) → (1,7,8,8)" in out


def test_the_current_directory_is_importable_in_a_real_process(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "viz", "mynets.nets:build", "--input-shape", "1,3,8,8", "--format", "summary"],
        capture_output=True, text=True, cwd=project, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "conv: Conv2d" in result.stdout and "Total params:" in result.stdout


def test_two_inputs_one_of_token_ids(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["mynets.nets:Tokens", "--input-shape", "2,5:int64", "--input-shape", "2,5,1", "--show-shapes"]
    for real in ([], ["--real"]):
        code, out, err = _cli(capsys, *argv, *real)
        assert (code, err) == (0, "")
        assert 'input0["input 0<br/>' in out or "input0[" in out
        assert "input1[" in out and "(2,5) → (2,5,8)" in out


def test_mode_train_runs_the_training_forward(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, evaluated, _ = _cli(capsys, "mynets.nets:ModeShaped", "--input-shape", "2,4", "--format", "json")
    _, trained, _ = _cli(
        capsys, "mynets.nets:ModeShaped", "--input-shape", "2,4", "--format", "json", "--mode", "train"
    )
    assert json.loads(evaluated)["output_shapes"] == [[2]]
    assert json.loads(trained)["output_shapes"] == [[2, 6]]
    _one_line_error(capsys, "mynets.nets:ModeShaped", "--input-shape", "2,4", "--mode", "training")


SOURCE_ERRORS = [
    (["nosuchpkg.nets:build"], "cannot import module 'nosuchpkg.nets'", 2),
    (["mynets.nets:biuld"], "has no attribute 'biuld'; did you mean build?", 2),
    (["mynets.nets:answer"], "is a int, not a model", 2),
    (["mynets.nets:not_a_model"], "returned int, not a lucid nn.Module", 2),
    (["mynets.nets:broken"], "the factory raised RuntimeError: checkpoint missing", 1),
    (["mynets.nets:tiny", "--set", "width=2"], "is a model object, so options (width) cannot build it", 2),
    (["mynets.nets:build", "--set", "depth=2"], "unexpected keyword argument 'depth' (it takes: width)", 2),
    (["scripts/missing.py:build"], "no such file 'scripts/missing.py'", 2),
    (["scripts/model_file.py"], "unknown model 'scripts/model_file.py'", 2),
    (["mynets.nets:Tiny"], "declares no input shape; give one, e.g. --input-shape", 2),
]


@pytest.mark.parametrize(("argv", "message", "code"), SOURCE_ERRORS, ids=[" ".join(a) for a, _, _ in SOURCE_ERRORS])
def test_each_way_a_source_fails_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str, code: int
) -> None:
    assert message in _one_line_error(capsys, *argv, code=code)


OPTION_ERRORS = [
    (["efficientformer_l1", "--num-classes", "10", "--set", "num_classes=20"], "disagree; give one"),
    (["efficientformer_l1", "--set", "layer_scale_init_value=NaN"], "NaN is not a usable option value"),
    (["efficientformer_l1", "--set", "drop_rate=Infinity"], "Infinity is not a usable option value"),
    (["efficientformer_l1", "--set", "num_classes=3", "--set", "num_classes=4"], "gives num_classes twice"),
    (["efficientformer_l1", "--input-shape", ""], "--input-shape '' is not a list of integers"),
    (["efficientformer_l1", "--input-shape", "1,3,224,224:complex"], "dtype 'complex' is not one of"),
    (["efficientformer_l1", "-o", "chart.jpg"], "'chart.jpg' (suffix .jpg); use one of .mmd .md"),
]


@pytest.mark.parametrize(("argv", "message"), OPTION_ERRORS, ids=[" ".join(a) for a, _ in OPTION_ERRORS])
def test_contradictory_or_unusable_options_are_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in _one_line_error(capsys, *argv)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_model_options_with_a_saved_trace_are_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    saved = tmp_path / "l1.json"
    assert main(["efficientformer_l1", "-o", str(saved)]) == 0
    capsys.readouterr()
    assert "apply to models, not to a trace" in _one_line_error(capsys, str(saved), "--num-classes", "3")
    assert "--input-shape, --mode and --real apply to models" in _one_line_error(
        capsys, str(saved), "--input-shape", "1,3,64,64"
    )


def test_a_failed_write_keeps_the_old_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart = tmp_path / "chart.mmd"
    chart.write_text("the chart I had\n", encoding="utf-8")

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(viz.files.os, "fsync", full_disk)
    assert "No space left on device" in _one_line_error(capsys, "efficientformer_l1", "-o", str(chart))
    assert chart.read_text(encoding="utf-8") == "the chart I had\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.mmd"]  # no temporary file left behind


def test_writes_keep_the_files_mode_and_go_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.mmd"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    link = tmp_path / "link.mmd"
    link.symlink_to(target)
    assert main(["efficientformer_l1", "-o", str(link)]) == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("%%{init")
    assert target.stat().st_mode & 0o777 == 0o600


def test_ctrl_c_is_exit_130_and_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import viz.cli.draw

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(viz.cli.draw, "trace_source", interrupted)
    code, out, err = _cli(capsys, "efficientformer_l1")
    assert (code, out, err) == (130, "", "lucid-viz: interrupted\n")


def test_any_depth_answers_at_once_in_a_real_process() -> None:
    # The size warning looks for a depth that fits; it must not try every depth below 10**8.
    result = subprocess.run(
        [sys.executable, "-m", "viz", "efficientformer_l7", "--no-collapse", "--depth", "100000000"],
        capture_output=True, text=True, cwd=REPO / "tests", timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1 and "Use depth=" in result.stderr


def test_a_snapshot_round_trip_needs_the_input_shape_only_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = project / "golden"
    code, _, err = _cli(capsys, "snapshot", "mynets.nets:build", "--out", str(golden), "--input-shape", "1,3,8,8")
    assert code == 0 and err == f"created {golden / 'Tiny.txt'}\n"
    code, out, err = _cli(capsys, "snapshot", "mynets.nets:build", "--out", str(golden), "--check")
    assert (code, out, err) == (0, "", f"ok {golden / 'Tiny.txt'}\n")

    from mynets.nets import build

    # The Python check reads what the command wrote, input shape included; a changed width is reported.
    assert viz.check_golden(build(), golden, update=False) == golden / "Tiny.txt"
    with pytest.raises(viz.SnapshotMismatchError, match=r"conv: params 112 → 84; out \(1,4,8,8\) → \(1,3,8,8\)"):
        viz.check_golden(build(width=3), golden, update=False)
    code, out, _ = _cli(capsys, "snapshot", "mynets.nets:build", "--out", str(golden), "--check")
    assert code == 0


def test_a_model_with_two_inputs_is_snapshotted_and_checked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    golden = project / "golden"
    argv = ["snapshot", "mynets.nets:Tokens", "--out", str(golden)]
    assert _cli(capsys, *argv, "--input-shape", "2,5:int64", "--input-shape", "2,5,1")[0] == 0
    text = (golden / "Tokens.txt").read_text(encoding="utf-8")
    assert "input (2,5):int64,(2,5,1)\n" in text and "embed Embedding params=400 in=(2,5) out=(2,5,8)" in text
    # The check feeds the model what the file records, token ids included (float ids would fail the Embedding).
    code, out, err = _cli(capsys, *argv, "--check")
    assert (code, out) == (0, ""), err
    from mynets.nets import Tokens

    assert viz.check_golden(Tokens(), golden, update=False) == golden / "Tokens.txt"  # a real forward, int ids
    saved = project / "tokens.json"
    assert (
        _cli(capsys, "mynets.nets:Tokens", "--input-shape", "2,5:int64", "--input-shape", "2,5,1", "-o", str(saved))[0]
        == 0
    )
    assert viz.Trace.from_json(saved.read_text(encoding="utf-8")).input_dtypes == ["int64", "float32"]


def test_trace_shapes_takes_every_source_form(project: Path) -> None:
    for source in ("mynets.nets:build", "scripts/model_file.py:Tiny"):
        trace = viz.trace_shapes(source, (1, 3, 8, 8))
        assert trace.model_name == "Tiny" and trace.output_shapes == [(1, 2)]
    assert viz.trace_shapes("efficientformer_l1").model_name == "efficientformer_l1"
    with pytest.raises(viz.SourceError, match="has no attribute 'nope'"):
        viz.trace_shapes("mynets.nets:nope")


def test_checking_without_a_golden_file_says_how_to_write_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "snapshot", "scripts/model_file.py:Tiny", "--out", "golden", "--check")
    assert (code, err) == (1, "")
    assert out == (
        "scripts/model_file.py:Tiny: no golden file golden/Tiny.txt; write it with "
        "`lucid-viz snapshot scripts/model_file.py:Tiny --out golden --input-shape ...` and review it\n"
    )
    assert not (project / "golden").exists()
