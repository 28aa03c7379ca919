"""Charts that follow the data, on models written as ML engineers write them: ResNet blocks, a U-Net, Inception,
a two-input agent with a dict output, an activation called three times, a ViT, functional glue between modules.

Every chart is compared edge for edge with the set derived by hand from the model's forward (what truly feeds
what), by readable names (see chart_edges.py); `draw` also checks that it is a well-formed DAG apart from folded
groups' loops.
"""

from __future__ import annotations

import pytest
from chart_edges import (
    Edge,
    chain,
    draw,
    prefixed,
    traced,
)

# --- 1. ResNet basic blocks ----------------------------------------------------------------------------------------

# conv1 -> bn1 -> relu -> conv2 -> bn2 -> (+ shortcut) -> relu again.
_MAIN_PATH = chain("conv1", "bn1", "relu", "conv2", "bn2", "op0") | chain("op0", "relu#2", "output")


def test_identity_block_adds_the_block_input_and_draws_the_reused_relu_twice() -> None:
    chart = draw(traced("identity_block"), depth=1)
    assert chart.edges == {("input", "conv1"), ("input", "op0")} | _MAIN_PATH
    assert chart.ops == {"op0": ("add", "<model>")}
    # One ReLU module, two drawings, neither fed from later in the block: nothing goes back into `relu`.
    assert chart.ids["relu"] == "m3" and chart.ids["relu#2"] == "m3_2"
    assert chart.title("relu") == chart.title("relu#2") == "ReLU"
    assert {source for source, target in chart.edges if target == "relu"} == {"bn1"}


@pytest.mark.parametrize("depth", [1, 2])
def test_projection_block_adds_the_downsampled_input(depth: int) -> None:
    chart = draw(traced("projection_block"), depth=depth)
    # At depth 1 the shortcut's Sequential is one box; at depth 2 its conv and batch norm are drawn.
    shortcut = ["downsample"] if depth == 1 else ["downsample.0", "downsample.1"]
    assert chart.edges == chain("input", *shortcut, "op0") | {("input", "conv1")} | _MAIN_PATH
    assert chart.ops == {"op0": ("add", "<model>")}
    # The block input does not reach the add directly: the projection stands between them.
    assert ("input", "op0") not in chart.edges


def test_resnet_folds_the_identical_blocks_and_keeps_the_downsampling_one_apart() -> None:
    chart = draw(traced("resnet"), depth=3)
    l10, l20, l21 = "layer1.0", "layer2.0", "layer2.1"
    assert chart.title(l10) == "BasicBlock x 2"
    # layer2.0 has a downsample child that layer2.1 lacks: different structures, no fold.
    assert chart.title(l20) == chart.title(l21) == "BasicBlock"

    def block(name: str, add: str, entry: str) -> set[Edge]:
        return chain(entry, *prefixed(name, "conv1", "bn1", "relu", "conv2", "bn2"), add) | {(add, f"{name}.relu#2")}

    expected = chain("input", "conv1", "bn1", "relu")
    # layer1.0 stands for both blocks of layer1: the stem feeds its first member, its ports lead in and out, and
    # the first member's output goes back in through layer1.0:in to the second member.
    expected |= block(l10, "op0", "relu") | {("relu", "op0")}
    expected |= {(f"{l10}:in", f"{l10}.conv1"), (f"{l10}:in", "op0")}
    expected |= {(f"{l10}.relu#2", f"{l10}:in"), (f"{l10}.relu#2", f"{l10}:out")}
    # layer2.0 downsamples the second member's output on the shortcut.
    expected |= block(l20, "op1", f"{l10}:out") | chain(f"{l10}:out", f"{l20}.downsample", "op1")
    expected |= block(l21, "op2", f"{l20}.relu#2") | {(f"{l20}.relu#2", "op2")}
    expected |= chain(f"{l21}.relu#2", "avgpool", "fc", "output")
    assert chart.edges == expected
    assert chart.ops == {"op0": ("add", l10), "op1": ("add", l20), "op2": ("add", l21)}
    # The ways into the folded group are dashed: more than one member's input arrives there.
    assert chart.dashed == {
        (chart.ids[s], chart.ids[t])
        for s, t in [
            ("relu", f"{l10}.conv1"),
            ("relu", "op0"),
            (f"{l10}:in", f"{l10}.conv1"),
            (f"{l10}:in", "op0"),
            (f"{l10}.relu#2", f"{l10}:in"),
        ]
    }


# --- 2. U-Net ------------------------------------------------------------------------------------------------------


def test_unet_concatenates_each_skip_with_the_upsampled_path() -> None:
    chart = draw(traced("unet"), depth=2)
    assert chart.edges == (
        chain("input", "encoders.0", "encoders.1", "encoders.2", "ups.0", "op0", "decoders.0")
        | chain("decoders.0", "ups.1", "op1", "decoders.1", "head", "output")
        | {("encoders.1", "op0"), ("encoders.0", "op1")}  # the skips, deepest first
    )
    assert chart.ops == {"op0": ("concatenate", "<model>"), "op1": ("concatenate", "<model>")}
    # Three stages of one class in a ModuleList, called as a chain, but their outputs also feed the decoder.
    assert [chart.title(f"encoders.{i}") for i in range(3)] == ["ConvBlock"] * 3
    assert not any(" x " in title for title in chart.titles())


def test_unet_one_level_deeper_joins_the_stages_activations() -> None:
    chart = draw(traced("unet"), depth=3)
    expected = chain("input", *prefixed("encoders.0", "conv", "norm", "act"))
    expected |= chain("encoders.0.act", *prefixed("encoders.1", "conv", "norm", "act"))
    expected |= chain("encoders.1.act", *prefixed("encoders.2", "conv", "norm", "act"), "ups.0.proj", "op0")
    expected |= chain("op0", *prefixed("decoders.0", "conv", "norm", "act"), "ups.1.proj", "op1")
    expected |= chain("op1", *prefixed("decoders.1", "conv", "norm", "act"), "head", "output")
    expected |= {("encoders.1.act", "op0"), ("encoders.0.act", "op1")}
    assert chart.edges == expected
    assert not any(" x " in title for title in chart.titles())


def test_unet_with_the_module_lists_as_leaves_draws_one_node_per_stage() -> None:
    chart = draw(traced("unet"), depth=1)
    # `encoders` stands for three different calls (its stages), each drawn on its own: one node would make the
    # decoder's loop (decoders -> ups -> concatenate -> decoders) a cycle.
    assert chart.edges == (
        chain("input", "encoders", "encoders#2", "encoders#3", "ups", "op0", "decoders", "ups#2", "op1")
        | chain("op1", "decoders#2", "head", "output")
        | {("encoders#2", "op0"), ("encoders", "op1")}
    )


def test_unet_module_list_drawings_each_show_their_own_calls_shapes() -> None:
    chart = draw(traced("unet"), depth=1)
    # Each drawing stands for one stage's call: all three change the shape, so all three say how.
    assert chart.shapes("encoders") == "(1,3,16,16) → (1,4,16,16)"
    assert chart.shapes("encoders#2") == "(1,4,16,16) → (1,8,8,8)"
    assert chart.shapes("encoders#3") == "(1,8,8,8) → (1,16,4,4)"


# --- 3. Inception --------------------------------------------------------------------------------------------------

_BRANCHES = ["inception.branch1x1", "inception.branch3x3", "inception.branch5x5"]


def test_inception_branches_share_the_input_and_meet_in_one_concatenate() -> None:
    chart = draw(traced("inception"), depth=2)
    stem = chain("input", "stem.conv", "stem.bn", "stem.relu")
    branches = {("stem.relu", b) for b in [*_BRANCHES, "inception.branch_pool"]}
    joins = {(b, "op0") for b in [*_BRANCHES, "inception.branch_pool"]}
    assert chart.edges == stem | branches | joins | chain("op0", "avgpool", "fc", "output")
    # The concatenate ran in the Inception module's forward: its circle is drawn in that subgraph.
    assert chart.ops == {"op0": ("concatenate", "inception")}
    # Same class, same shapes, but parallel: three BasicConv2d boxes, not "BasicConv2d x 3".
    assert [chart.title(b) for b in _BRANCHES] == ["BasicConv2d"] * 3
    assert not any(" x " in title for title in chart.titles())


def test_inception_branches_inside() -> None:
    chart = draw(traced("inception"), depth=3)
    expected = chain("input", "stem.conv", "stem.bn", "stem.relu")
    for branch in _BRANCHES:
        expected |= chain("stem.relu", *prefixed(branch, "conv", "bn", "relu"), "op0")
    expected |= chain("stem.relu", "inception.branch_pool", "op0", "avgpool", "fc", "output")
    assert chart.edges == expected


def test_inception_drawn_as_one_box_has_no_circle() -> None:
    # The concatenate runs inside a drawn leaf: it is that leaf's own work.
    chart = draw(traced("inception"), depth=1)
    assert chart.edges == chain("input", "stem", "inception", "avgpool", "fc", "output")
    assert chart.ops == {}


# --- 4. Two inputs, a dict output ----------------------------------------------------------------------------------


def test_two_inputs_reach_their_own_encoders_and_the_dict_keys_name_the_outputs() -> None:
    chart = draw(traced("actor_critic"), depth=2)
    heads = [f"action_heads.{i}" for i in range(3)]
    assert chart.edges == (
        chain("input0", *prefixed("image_encoder", "0", "1", "2", "3"), "op0")
        | chain("input1", "state_encoder.0", "state_encoder.1", "op0", "fuse")
        | {("fuse", head) for head in heads}
        | {(head, "op1") for head in heads}
        | {("op1", "output0")}
        | chain("fuse", "value_head", "output1")
    )
    assert chart.ops == {"op0": ("concatenate", "<model>"), "op1": ("stack", "<model>")}
    assert [chart.title(io) for io in ("input0", "input1", "output0", "output1")] == [
        "Input 0",
        "Input 1",
        "Output logits",
        "Output value",
    ]
    assert [chart.shapes(io) for io in ("input0", "input1", "output0", "output1")] == [
        "(2,3,8,8)",
        "(2,6)",
        "(2,3,4)",
        "(2,1)",
    ]
    # Three Linear(16, 4) heads on the same features: parallel, so three boxes and no "Linear x 3".
    assert [chart.title(head) for head in heads] == ["Linear"] * 3
    assert not any(" x " in title for title in chart.titles())


def test_two_inputs_with_the_encoders_as_boxes() -> None:
    chart = draw(traced("actor_critic"), depth=1)
    heads = ["action_heads", "action_heads#2", "action_heads#3"]  # the ModuleList's three calls
    assert chart.edges == (
        {("input0", "image_encoder"), ("input1", "state_encoder"), ("image_encoder", "op0")}
        | chain("state_encoder", "op0", "fuse")
        | {("fuse", head) for head in heads}
        | {(head, "op1") for head in heads}
        | {("op1", "output0")}
        | chain("fuse", "value_head", "output1")
    )


# --- 5. One activation module called three times -------------------------------------------------------------------


def test_an_activation_called_three_times_is_drawn_three_times_in_order() -> None:
    chart = draw(traced("shared_activation"), depth=1, show_shapes=True)
    assert chart.edges == chain("input", "conv1", "act", "conv2", "act#2", "conv3", "act#3", "fc", "output")
    # Each drawing carries its own call's shapes: the third call sees conv3's downsampled output.
    assert [chart.shapes(name) for name in ("act", "act#2", "act#3")] == [
        "(1,4,8,8) → (1,4,8,8)",
        "(1,4,8,8) → (1,4,8,8)",
        "(1,8,4,4) → (1,8,4,4)",
    ]


# --- 6. ViT --------------------------------------------------------------------------------------------------------


def _vit_block(name: str, entry: str, first_add: str, second_add: str) -> set[Edge]:
    """One transformer block's edges at depth 4 (its attention's and MLP's layers drawn)."""
    attention = chain(entry, f"{name}.norm1", f"{name}.attn.qkv", f"{name}.attn.proj", first_add)
    mlp = chain(first_add, f"{name}.norm2", *prefixed(f"{name}.mlp", "fc1", "act", "fc2"), second_add)
    return attention | mlp | {(entry, first_add), (first_add, second_add)}  # the two residual paths


def test_vit_unfolded_follows_both_residual_paths_of_each_block() -> None:
    chart = draw(traced("vit"), depth=4, collapse_repeats=False)
    # The class token is a Parameter: the concatenate (and the position embedding's add) combine one producer,
    # so the patch embedding feeds the first block directly and draws no circle.
    expected = {("input", "patch_embed")}
    expected |= _vit_block("blocks.0", "patch_embed", "op0", "op1")
    expected |= _vit_block("blocks.1", "op1", "op2", "op3")
    expected |= chain("op3", "norm", "head", "output")
    assert chart.edges == expected
    # Four residual adds; q, k and v all come from qkv, so the matmuls are invisible too.
    assert chart.ops == {
        "op0": ("add", "blocks.0"),
        "op1": ("add", "blocks.0"),
        "op2": ("add", "blocks.1"),
        "op3": ("add", "blocks.1"),
    }


def test_vit_folded_blocks_keep_their_ports_and_residual_adds() -> None:
    chart = draw(traced("vit"), depth=4)
    assert chart.title("blocks.0") == "Block x 2"
    expected = {("input", "patch_embed")}
    expected |= _vit_block("blocks.0", "patch_embed", "op0", "op1")
    # Into the group: the ways into its first member, from the patch embedding and from the group's input port.
    expected |= {("blocks.0:in", "blocks.0.norm1"), ("blocks.0:in", "op0")}
    # Out of the first member: to the second (through the input port) and out of the group.
    expected |= {("op1", "blocks.0:in"), ("op1", "blocks.0:out")}
    expected |= chain("blocks.0:out", "norm", "head", "output")
    assert chart.edges == expected
    assert chart.ops == {"op0": ("add", "blocks.0"), "op1": ("add", "blocks.0")}


def test_vit_blocks_as_one_folded_box_have_no_circles() -> None:
    chart = draw(traced("vit"), depth=2)
    assert chart.title("blocks.0") == "Block x 2"
    # The class-token concatenate takes one traced tensor: no merge, no circle, the embedding feeds the blocks.
    assert chart.edges == chain("input", "patch_embed", "blocks.0", "norm", "head", "output")
    assert chart.ops == {}


def test_attention_with_its_own_q_k_v_draws_both_matmuls() -> None:
    chart = draw(traced("separate_qkv"), depth=1)
    # q @ kᵀ joins q and k; (softmax of it) @ v joins that product with v.
    assert chart.edges == {("input", "q"), ("input", "k"), ("input", "v"), ("q", "op0"), ("k", "op0")} | chain(
        "op0", "op1", "proj", "output"
    ) | {("v", "op1")}
    assert chart.ops == {"op0": ("matmul", "<model>"), "op1": ("matmul", "<model>")}


# --- 7. Functional ops between two modules -------------------------------------------------------------------------


def test_functional_ops_between_two_modules_leave_a_direct_edge() -> None:
    chart = draw(traced("functional_glue"), depth=1)
    # h * h.sigmoid(), flatten, relu and * 2: every op has one traced producer (a), so a feeds b.
    assert chart.edges == chain("input", "a", "b", "output")
    assert chart.ops == {}
