"""Shape regression: every registered model's trace matches its golden file in tests/golden/traces.

After an intended change, rewrite the files with `pytest tests/regression --update-goldens` (or
`lucid-viz snapshot --all`) and review the diff. A mismatch fails with a short report by module path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from regression_traces import GOLDEN_DIR, model_trace

import lucid.models as models
from tests.golden_text import update_requested
from viz.golden import SnapshotMismatchError, check_golden, golden_path, update_golden


@pytest.mark.parametrize("name", models.list_models())
def test_trace_matches_golden_file(name: str, request: pytest.FixtureRequest) -> None:
    if update_requested():
        result = update_golden(model_trace(name), GOLDEN_DIR)
        if result.changed:
            # Rewritten, so not checked: say what changed for the review instead of passing.
            pytest.skip(result.summary())
    path = check_golden(model_trace(name), GOLDEN_DIR, update=False)
    assert path == golden_path(GOLDEN_DIR, name)


def test_every_golden_file_belongs_to_a_registered_model() -> None:
    # A renamed or removed model must not leave a stale golden file that nothing checks.
    names = {path.stem for path in GOLDEN_DIR.glob("*.txt")}
    assert names == set(models.list_models())


def test_changing_a_stride_fails_the_check_naming_that_module() -> None:
    model = models.create_model("efficientformer_l1")
    model.stages[2].downsample.conv.stride = (1, 1)  # the stage-3 downsample no longer halves the map
    with pytest.raises(SnapshotMismatchError) as failure:
        check_golden(model, GOLDEN_DIR, update=False)
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0].startswith(f"efficientformer_l1 differs from {GOLDEN_DIR / 'efficientformer_l1.txt'}:")
    assert lines[1] == (
        "first change (same input, different output): stages.2.downsample.conv: out (1,224,14,14) → (1,224,28,28); "
        "macs 37,933,056 → 151,732,224"
    )
    assert "  stages.2.downsample.norm: in (1,224,14,14) → (1,224,28,28); out (1,224,14,14) → (1,224,28,28)" in lines
    # The last stage's attention cannot take the larger map; the report says where the forward failed.
    assert "error none → stages.3.blocks.4.token_mixer: expected 49 tokens" in message
    # Short, not a wall of JSON: a capped list and a hint on how to accept the change.
    assert len(lines) < 30
    assert "... and " in message
    assert "lucid-viz snapshot efficientformer_l1" in lines[-1]


def test_changing_parameters_only_is_caught_too() -> None:
    model = models.create_model("efficientformer_l1")
    model.head.bias = None  # same shapes, 1,000 fewer parameters
    with pytest.raises(SnapshotMismatchError, match=r"  head: params 449,000 → 448,000"):
        check_golden(model, GOLDEN_DIR, update=False)


def test_missing_golden_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(SnapshotMismatchError, match=r"no golden file .*lucid-viz snapshot efficientformer_l1"):
        check_golden(model_trace("efficientformer_l1"), tmp_path, update=False)
