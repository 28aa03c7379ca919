"""What a golden-file check reports for each kind of architecture change, line for line.

These reports are what users' regression tests stand on: a layer dropped, inserted, swapped for another class, a
module called once more, a width changed. Each case makes the change on a real model (the registered
EfficientFormer-L1 against its committed golden file, or a small user model against a golden file written first)
and asserts the exact lines, in model order, with the first change first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest
from regression_traces import GOLDEN_DIR

import lucid.models as models
from lucid import Tensor, nn
from viz.golden import SnapshotMismatchError, check_golden, update_golden

FIRST = "first change (same input, different output): "


def report_lines(model: nn.Module, folder: Path, input_shape: tuple[int, ...] | None = None) -> list[str]:
    """The report a failing check gives, without the title and the closing hint."""
    with pytest.raises(SnapshotMismatchError) as failure:
        check_golden(model, folder, input_shape=input_shape, update=False)
    lines = str(failure.value).splitlines()
    assert "differs from" in lines[0] and lines[-1].startswith("if the change is intended, regenerate with")
    return lines[1:-1]


def edited_l1(edit: Callable[[nn.Module], None]) -> nn.Module:
    model = models.create_model("efficientformer_l1")
    edit(model)
    return model


def test_a_dropped_parameter_free_layer_is_reported_gone() -> None:
    model = edited_l1(lambda m: delattr(m.stem, "act1"))  # the stem's Sequential now skips its first ReLU
    assert report_lines(model, GOLDEN_DIR) == ["  stem.act1: gone (was ReLU, out (1,24,112,112))"]


def _insert_after_norm1(model: nn.Module) -> None:
    items = list(model.stem._modules.items())
    items.insert(2, ("pad", nn.Identity()))
    model.stem = nn.Sequential(OrderedDict(items))


def test_an_inserted_layer_is_reported_new_with_its_output() -> None:
    assert report_lines(edited_l1(_insert_after_norm1), GOLDEN_DIR) == [
        "  stem.pad: new (Identity, out (1,24,112,112))"
    ]


def test_a_class_swap_is_reported_even_when_every_shape_is_the_same() -> None:
    model = edited_l1(lambda m: setattr(m.stem, "act1", nn.GELU()))
    assert report_lines(model, GOLDEN_DIR) == ["  stem.act1: class ReLU → GELU"]


def test_a_module_called_twice_reports_its_second_call() -> None:
    # Sharing one activation for both places: act1 now runs twice, and act2 is no longer a module of its own.
    model = edited_l1(lambda m: setattr(m.stem, "act2", m.stem.act1))
    assert report_lines(model, GOLDEN_DIR) == [
        "  stem.act1 (call 2): new (ReLU, out (1,48,56,56))",
        "  stem.act2: gone (was ReLU, out (1,48,56,56))",
    ]


def _narrow_first_mlp(model: nn.Module) -> None:
    mlp = model.stages[0].blocks[0].mlp  # 48 -> 192 -> 48 becomes 48 -> 96 -> 48
    mlp.fc1, mlp.norm1, mlp.fc2 = nn.Conv2d(48, 96, 1), nn.BatchNorm2d(96), nn.Conv2d(96, 48, 1)


def test_a_width_change_names_where_it_starts_then_lists_in_model_order() -> None:
    lines = report_lines(edited_l1(_narrow_first_mlp), GOLDEN_DIR)
    where = "stages.0.blocks.0.mlp"
    assert (
        lines[0]
        == f"{FIRST}{where}.fc1: params 9,408 → 4,704; out (1,192,56,56) → (1,96,56,56); macs 28,901,376 → 14,450,688"
    )
    # Parameters: fc1 48·96+96, norm1 2·96 and fc2 96·48+48 replace 48·192+192, 2·192 and 192·48+48 (9,504 fewer).
    assert lines[1:] == [
        "  (model): macs 1,299,219,264 → 1,270,317,888",
        "  (root): params 11,840,928 → 11,831,424",
        "  stages: params 11,379,800 → 11,370,296",
        "  stages.0: params 57,744 → 48,240",
        "  stages.0.blocks: params 57,744 → 48,240",
        "  stages.0.blocks.0: params 19,248 → 9,744",  # the other blocks keep theirs, so they are not listed
        f"  {where}: params 19,152 → 9,648",
        f"  {where}.fc1: params 9,408 → 4,704; out (1,192,56,56) → (1,96,56,56); macs 28,901,376 → 14,450,688",
        f"  {where}.norm1: params 384 → 192; in (1,192,56,56) → (1,96,56,56); out (1,192,56,56) → (1,96,56,56)",
        f"  {where}.act: in (1,192,56,56) → (1,96,56,56); out (1,192,56,56) → (1,96,56,56)",
        f"  {where}.fc2: params 9,264 → 4,656; in (1,192,56,56) → (1,96,56,56); macs 28,901,376 → 14,450,688",
        f"  {where}.drop: in (1,192,56,56) → (1,96,56,56); out (1,192,56,56) → (1,96,56,56)",
    ]


def test_a_removed_layer_is_listed_where_it_was_not_after_everything_else() -> None:
    def edit(model: nn.Module) -> None:
        delattr(model.stem, "act1")
        model.head = nn.Linear(448, 10)

    assert report_lines(edited_l1(edit), GOLDEN_DIR) == [
        f"{FIRST}head: params 449,000 → 4,490; out (1,1000) → (1,10); macs 448,000 → 4,480",
        "  (model): macs 1,299,219,264 → 1,298,775,744",
        "  (root): params 11,840,928 → 11,396,418; out (1,1000) → (1,10)",
        "  stem.act1: gone (was ReLU, out (1,24,112,112))",
        "  head: params 449,000 → 4,490; out (1,1000) → (1,10); macs 448,000 → 4,480",
    ]


class TwoConvNet(nn.Module):
    """A user's model, built as users build theirs: options in the constructor, the forward written out."""

    def __init__(self, width: int = 8, act: type[nn.Module] = nn.ReLU, act_twice: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1)
        self.act = act()
        self.conv2 = nn.Conv2d(width, 4, 3, padding=1)
        self.act_twice = act_twice

    def forward(self, x: Tensor) -> Tensor:
        x = self.act(self.conv1(x))
        x = self.conv2(x)
        return self.act(x) if self.act_twice else x


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    update_golden(TwoConvNet(), tmp_path, input_shape=(1, 3, 8, 8))
    return tmp_path


def test_user_model_calling_its_activation_again(golden: Path) -> None:
    assert report_lines(TwoConvNet(act_twice=True), golden, (1, 3, 8, 8)) == [
        "  act (call 2): new (ReLU, out (1,4,8,8))"
    ]


def test_user_model_width_change(golden: Path) -> None:
    assert report_lines(TwoConvNet(width=16), golden, (1, 3, 8, 8)) == [
        f"{FIRST}conv1: params 224 → 448; out (1,8,8,8) → (1,16,8,8); macs 13,824 → 27,648",
        "  (model): macs 32,256 → 64,512",
        "  (root): params 516 → 1,028",
        "  conv1: params 224 → 448; out (1,8,8,8) → (1,16,8,8); macs 13,824 → 27,648",
        "  act: in (1,8,8,8) → (1,16,8,8); out (1,8,8,8) → (1,16,8,8)",
        "  conv2: params 292 → 580; in (1,8,8,8) → (1,16,8,8); macs 18,432 → 36,864",
    ]


def test_user_model_class_swap(golden: Path) -> None:
    assert report_lines(TwoConvNet(act=nn.GELU), golden, (1, 3, 8, 8)) == ["  act: class ReLU → GELU"]


def test_rewriting_a_golden_file_reports_what_changed(golden: Path) -> None:
    path = golden / "TwoConvNet.txt"
    before = path.read_text(encoding="utf-8")
    unchanged = update_golden(TwoConvNet(), golden, input_shape=(1, 3, 8, 8))
    assert (unchanged.changed, unchanged.summary()) == (False, f"unchanged {path}\n")
    assert path.read_text(encoding="utf-8") == before
    rewritten = update_golden(TwoConvNet(act=nn.GELU), golden, input_shape=(1, 3, 8, 8))
    assert rewritten.changed and rewritten.summary() == f"rewrote {path}: 1 difference\n  act: class ReLU → GELU\n"
    check_golden(TwoConvNet(act=nn.GELU), golden, input_shape=(1, 3, 8, 8), update=False)  # the new file now passes


def test_a_failed_forward_keeps_the_old_golden_file(golden: Path) -> None:
    path = golden / "TwoConvNet.txt"
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"the forward failed .*none was written"):
        update_golden(TwoConvNet(), golden, input_shape=(1, 4, 8, 8))  # conv1 takes 3 channels
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in golden.iterdir()) == ["TwoConvNet.txt"]  # no temporary file left behind
