"""Damaged or hostile input files: a trace JSON or a golden snapshot from anywhere must fail with a ValueError that
names the file, the place and what is wrong (the CLI prints it as one line, exit 2), and names read from a file
must not reach the terminal as raw control characters."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import viz
from lucid import nn
from viz.cli import main
from viz.ir import Call, ModuleNode, Trace, TraceError
from viz.render.mermaid import render_mermaid
from viz.snapshot import snapshot_of, snapshot_text
from viz.snapshot_parse import parse_snapshot
from viz.summary import summarise_trace

REPO = Path(__file__).resolve().parents[2]
GOLDEN_TRACES = sorted((REPO / "tests" / "golden" / "traces").glob("*.txt"))
# What escape_controls must turn into escapes: C0 (ESC, CR, LF, tab), DEL, C1, line separators, lone surrogates.
RAW_CONTROLS = [chr(c) for c in (*range(32), *range(127, 160))] + ["\u2028", "\u2029", "\ud800", "\udfff"]


def _small_model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU())


def _trace_data() -> dict[str, Any]:
    """A real trace's JSON as a dict, to be damaged by each test: modules "", "0" (Linear), "1" (ReLU)."""
    return json.loads(viz.trace(_small_model(), input_shape=(1, 4)).to_json())


def _load(data: dict[str, Any]) -> Trace:
    # json.dumps writes a lone surrogate as the escape "\ud800", exactly as a hostile file would hold it.
    return Trace.from_json(json.dumps(data))


# ---- trace JSON ------------------------------------------------------------------------------------------------


def _set(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # 10**30 loads as a Python int but is past any real count; 10**400 used to overflow the K/M/B formatting.
        (_set("calls", 1, "output_shapes", 0, 1, value=10**30), r"trace\.calls\[1\]\.output_shapes\[0\]\[1\]: "),
        (_set("modules", 1, "total_params", value=10**30), r"trace\.modules\[1\]\.total_params: expected a count"),
        (_set("modules", 0, "total_params", value=10**400), r"trace\.modules\[0\]\.total_params: expected a count"),
        (_set("calls", 1, "macs", value=2**63), r"trace\.calls\[1\]\.macs: expected a count >= 0 and <= 2\*\*63-1"),
        (_set("input_shapes", 0, 0, value=-1), r"trace\.input_shapes\[0\]\[0\]: expected a count >= 0 .*, got -1"),
        (_set("calls", 0, "index", value=-5), r"trace\.calls\[0\]\.index: expected a count >= 0"),
        # Every dim is in range, but the tensor would have 2**64 elements.
        (_set("output_shapes", 0, value=[2**32, 2**32]), r"output_shapes\[0\]: the shape .* more than 2\*\*63-1"),
    ],
)
def test_integers_out_of_range_are_refused_naming_the_field(edit: Callable, message: str) -> None:
    data = _trace_data()
    edit(data)
    with pytest.raises(ValueError, match=message):
        _load(data)


def test_the_largest_accepted_counts_still_render() -> None:
    # The bound is where renderers stop being safe, not an arbitrary cut: at the bound every output still works.
    data = _trace_data()
    for module in data["modules"]:
        module["own_params"] = module["total_params"] = 2**63 - 1
    data["calls"][1]["macs"] = 2**63 - 1
    data["calls"][1]["output_shapes"] = [[1, 2**62]]
    trace = _load(data)
    assert "9,223,372,036,854,775,807" in str(summarise_trace(trace))
    chart = render_mermaid(trace, show_params=True, show_macs=True)
    assert "9220000000B params" in chart and "9223372036854775807 MACs" not in chart


def test_a_zero_sized_dimension_with_huge_others_is_an_empty_tensor_not_an_overflow() -> None:
    data = _trace_data()
    data["calls"][1]["output_shapes"] = [[0] + [2**62] * 4]
    assert _load(data).calls[1].output_shapes == [(0, 2**62, 2**62, 2**62, 2**62)]


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1"])
def test_json_nested_past_the_stack_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="trace JSON is nested too deeply"):
        Trace.from_json(text)


def test_an_integer_too_long_to_convert_is_a_parse_error() -> None:
    text = json.dumps(_trace_data()).replace('"own_params": 15', '"own_params": ' + "9" * 5000)
    with pytest.raises(ValueError, match=r"trace JSON does not parse: Exceeds the limit \(4300 digits\)") as info:
        Trace.from_json(text)
    # Python's own advice (raise the interpreter's limit) is not what a user of a trace file should do.
    assert "set_int_max_str_digits" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("model_name", value="\ud800"), r"trace\.model_name: '\\ud800' holds a lone surrogate \(U\+D800"),
        (_set("modules", 1, "class_name", value="Lin\udfffear"), r"trace\.modules\[1\]\.class_name: .*U\+DFFF at pos"),
        (_set("modules", 0, "children", 1, value="\udc80"), r"trace\.modules\[0\]\.children\[1\]: .*lone surrogate"),
        (_set("calls", 2, "path", value="\ud83d"), r"trace\.calls\[2\]\.path: .*lone surrogate"),
    ],
)
def test_a_lone_surrogate_in_a_name_is_refused_at_load(edit: Callable, message: str) -> None:
    data = _trace_data()
    edit(data)
    with pytest.raises(ValueError, match=message):
        _load(data)


def test_a_surrogate_pair_is_a_character_and_loads() -> None:
    data = _trace_data()
    data["model_name"] = "net \U0001f600"
    assert '"net \\ud83d\\ude00"' in json.dumps(data)  # written as a pair of escapes
    assert _load(data).model_name == "net \U0001f600"


def test_wrong_types_are_still_refused_and_long_values_are_shortened_in_the_message() -> None:
    data = _trace_data()
    data["calls"][1]["input_shapes"] = [[*range(10_000), "x"]]
    with pytest.raises(ValueError, match=r"trace\.calls\[1\]\.input_shapes\[0\]: expected a shape") as info:
        _load(data)
    assert len(str(info.value)) < 200


def test_a_trace_with_odd_but_legal_names_round_trips_byte_for_byte() -> None:
    data = _trace_data()
    data["model_name"] = "\x1b[31mred\x1b[0m\r\n"
    data["modules"][1]["class_name"] = "Größe\x7f\x9b注意"
    data["modules"][2]["name"] = 'a "quoted"\u2028name'
    trace = _load(data)
    text = trace.to_json()
    text.encode("utf-8")  # no lone surrogate left to fail on write
    again = Trace.from_json(text)
    assert again == trace and again.to_json() == text
    assert again.modules[1].class_name == "Größe\x7f\x9b注意"


# ---- golden snapshot files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GOLDEN_TRACES, ids=lambda p: p.name)
def test_the_golden_snapshots_read_back_to_the_same_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert snapshot_text(parse_snapshot(text, path.name)) == text


def _golden_lines() -> list[str]:
    return snapshot_text(viz.trace(_small_model(), input_shape=(1, 4))).splitlines()


def _line_number(lines: list[str], start: str) -> int:
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(start))


@pytest.mark.parametrize(
    ("start", "replacement", "message"),
    [
        ("0 ", "0 Linear in=(1,4) out=(1,3) macs=12", r"the params= field is missing \(found 'in=\(1,4\)' after the"),
        ("0 ", "0 Linear params=15 out=(1,3) macs=12", r"the in= field is missing \(found 'out=\(1,3\)' after params="),
        ("0 ", "0 Linear params=15 in=(1,4) out=(1,3)", r"the macs= field is missing \(the line ends after out=\)"),
        ("0 ", "0 Linear", r"the params= field is missing \(the line ends after the class name\)"),
        ("0 ", "0", r"the class name is missing after the path"),
        ("0 ", "0 Linear params=1x in=(1,4) out=(1,3) macs=12", r"bad params= field: expected a count .*got '1x'"),
        ("0 ", "0 Linear params=-15 in=(1,4) out=(1,3) macs=12", r"bad params= field: .*got '-15'"),
        ("0 ", "0 Linear params=1_5 in=(1,4) out=(1,3) macs=12", r"bad params= field: .*got '1_5'"),
        ("0 ", "0 Linear params=15 in=(1,4) out=(1,3) macs=" + "9" * 5000, r"bad macs= field: .*'99.*\.\.\..*99'"),
        ("0 ", "0 Linear params=15 in=(1,4) out=(1,3) macs=9223372036854775808", r"bad macs= .*at most 2\*\*63-1"),
        ("0 ", "0 Linear params=15 in=(1,4 out=(1,3) macs=12", r"bad in= field: expected shapes .*got '\(1,4'"),
        ("0 ", "0 Linear params=15 in=(1,4) out=(1,-3) macs=12", r"bad out= field: expected shapes"),
        ("0 ", "0 Linear params=15 in=(1," + "9" * 5000 + ") out=(1,3) macs=12", r"bad in= field: expected shapes"),
        ("0 ", "0 #x Linear params=15 in=(1,4) out=(1,3) macs=12", r"bad call number #k: .*got 'x'"),
        ("0 ", "0\x1b[31m Linear params=15 in=(1,4) out=(1,3) macs=12", r"the path '0\\x1b\[31m' .* must be quoted"),
        ("0 ", '"\\ud800" Linear params=15 in=(1,4) out=(1,3) macs=12', r"the path: '\\ud800' holds a lone surr"),
        ("0 ", '"0 Linear params=15 in=(1,4) out=(1,3) macs=12', r"the quoted path is not a JSON string"),
        ("1 ", "1 ReLU params=0 not-called extra", r"unexpected 'extra' after not-called"),
    ],
)
def test_a_malformed_record_line_names_the_file_line_and_field(start: str, replacement: str, message: str) -> None:
    lines = _golden_lines()
    number = _line_number(lines, start)
    lines[number - 1] = replacement
    with pytest.raises(ValueError, match=rf"^net\.txt:{number}: {message}") as info:
        parse_snapshot("\n".join(lines) + "\n", "net.txt")
    assert len(str(info.value)) < 400  # a 5000-digit field is shortened, not printed whole


@pytest.mark.parametrize(
    ("start", "replacement", "message"),
    [
        # json.loads of this header used to raise RecursionError.
        ("model ", "model " + "[" * 100_000, r"bad 'model' line: the model name should be a quoted JSON string"),
        ("model ", 'model "\\udfff"', r"bad 'model' line: the model name: '\\udfff' holds a lone surrogate"),
        ("model ", "model 5", r"bad 'model' line: the model name should be a quoted JSON string, got '5'"),
        ("error ", "error [1]", r"bad 'error' line: the error should be a quoted JSON string"),
        ("params ", "params " + "9" * 5000, r"bad 'params' line: expected a count"),
        ("input ", "input (1,4", r"bad 'input' line: expected shapes"),
    ],
)
def test_a_malformed_header_line_names_its_line_number(start: str, replacement: str, message: str) -> None:
    lines = _golden_lines()
    number = _line_number(lines, start)
    lines[number - 1] = replacement
    with pytest.raises(ValueError, match=rf"^net\.txt:{number}: {message}"):
        parse_snapshot("\n".join(lines) + "\n", "net.txt")


def test_a_snapshot_of_odd_names_reads_back() -> None:
    # Paths with spaces, quotes and control characters are written quoted; the parser reads them back unchanged.
    modules = [
        ModuleNode("", "", "Net", "user", children=["a b", '"q"\x1b[2J'], total_params=5),
        ModuleNode("a b", "a b", "Größe", "user", total_params=5, own_params=5),
        ModuleNode('"q"\x1b[2J', '"q"\x1b[2J', "\x1bX", "user"),
    ]
    calls = [Call(0, "", [(1, 4)], [(1, 2)]), Call(1, "a b", [(1, 4)], [(1, 2)], macs=8)]
    trace = Trace("n\x7fet", [(1, 4)], [(1, 2)], modules, calls)
    assert parse_snapshot(snapshot_text(trace)) == snapshot_of(trace)


# ---- the summary table -----------------------------------------------------------------------------------------


def _named_trace(model_name: str, name: str, class_name: str, error: str | None = None) -> Trace:
    data = _trace_data()
    data["model_name"] = model_name
    data["modules"][1]["name"] = name
    data["modules"][1]["class_name"] = class_name
    trace = Trace.from_dict(data)
    if error is not None:
        trace.error = TraceError("0", error, [(1, 4)])
    return trace


def test_control_characters_in_names_are_escaped_in_the_summary() -> None:
    trace = _named_trace("\x1b]0;owned\x07net", "\x1b[31mfc\r", "Lin\x9bear\x7f\n", error="bad\ninput\x1b[0m")
    text = str(summarise_trace(trace))
    raw = [char for char in set(text) if char in RAW_CONTROLS and char != "\n"]
    assert raw == [], raw
    assert text.splitlines()[0] == "\\x1b]0;owned\\x07net: input (1,4), depth 3"
    assert "├─ \\x1b[31mfc\\x0d: Lin\\x9bear\\x7f\\x0a  (1,3)" in text
    failed = next(line for line in text.splitlines() if line.startswith("Failed:"))
    assert failed.endswith(" 0: bad\\x0ainput\\x1b[0m")
    # One table row per module: no name broke a row in two.
    assert len(text.splitlines()) == len(str(summarise_trace(_named_trace("n", "0", "Linear"))).splitlines()) + 2


def test_a_lone_surrogate_from_python_code_is_escaped_so_the_summary_can_be_written() -> None:
    # Files cannot bring one in any more (see above); a Trace built in Python still can.
    trace = _named_trace("net", "fc", "Linear")
    trace.modules[1].class_name = "Bad\ud800"
    assert "├─ fc: Bad\\ud800" in str(summarise_trace(trace)).encode("utf-8").decode("utf-8")


def test_escaped_names_lay_out_exactly_like_names_written_that_way() -> None:
    # Escaping changes the names and nothing else: column widths follow the escaped text.
    hostile = str(summarise_trace(_named_trace("m\x1b", "\x1b[1mx", "Ünïcode→×")))
    written = str(summarise_trace(_named_trace("m\\x1b", "\\x1b[1mx", "Ünïcode→×")))
    assert hostile == written and "Ünïcode→×" in hostile


# ---- through the command line ----------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _surrogate_name(data: dict[str, Any]) -> str:
    data["model_name"] = "\ud800"
    return json.dumps(data)


def _huge_dim(data: dict[str, Any]) -> str:
    data["calls"][1]["output_shapes"] = [[1, 10**30]]
    return json.dumps(data)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_surrogate_name, "trace.model_name: '\\ud800' holds a lone surrogate"),
        (_huge_dim, "trace.calls[1].output_shapes[0][1]: expected a count >= 0 and <= 2**63-1"),
        (lambda data: "[" * 100_000, "trace JSON is nested too deeply"),
    ],
)
def test_python_m_viz_refuses_a_hostile_trace_in_one_line_with_exit_2(
    tmp_path: Path, make: Callable, message: str
) -> None:
    path = _write(tmp_path, make(_trace_data()))
    result = subprocess.run(
        [sys.executable, "-m", "viz", path, "--format", "summary"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO / "tests",
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"lucid-viz: error: {path} is not a lucid-viz trace: {message}")


def test_the_cli_summary_of_a_trace_with_escape_codes_prints_them_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _trace_data()
    data["modules"][1]["class_name"] = "\x1b[2J\x1b[HLinear"
    code = main([_write(tmp_path, json.dumps(data)), "--format", "summary"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "├─ 0: \\x1b[2J\\x1b[HLinear" in out
