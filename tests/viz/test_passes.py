"""Depth cut, repeat folding, hidden classes and call attribution (viz.passes)."""

from __future__ import annotations

import pytest
from viz_builders import TraceBuilder, efficientformer_l1_trace

from viz.passes import build_flow, build_tree


def _outline(tree) -> list[tuple[str, int, str, int]]:
    return [(n.id, n.depth, n.module.class_name, len(n.members)) for n in tree.nodes]


def test_l1_at_depth_3_numbers_nodes_in_pre_order_and_folds_stages_1_to_3() -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=3)
    outline = _outline(tree)
    assert outline[8:15] == [
        ("m8", 1, "Sequential", 1),
        ("m9", 2, "_EfficientFormerStage", 1),
        ("m10", 3, "Identity", 1),
        ("m11", 3, "Sequential", 1),
        ("m12", 2, "_EfficientFormerStage", 3),
        ("m13", 3, "_Downsample", 1),
        ("m14", 3, "Sequential", 1),
    ]
    assert tree.nodes[12].members == ["stages.1", "stages.2", "stages.3"]
    assert [n.id for n in tree.nodes[0].children] == ["m1", "m8", "m15", "m16", "m17"]
    assert len(tree.nodes) == 18


def test_l1_flow_matches_the_reference_edges() -> None:
    flow = build_flow(build_tree(efficientformer_l1_trace(), depth=3))
    assert flow.ported == [12]
    assert ("m14", "m12_in") in flow.edges  # stage 3 follows stage 2 ...
    assert ("m12_out", "m12_in") in flow.edges  # ... and stage 4 follows stage 3
    assert ("m12_out", "m15") in flow.edges
    assert ("m11", "m13") in flow.edges
    assert len(flow.edges) == 18
    assert flow.edges == sorted(flow.edges)


@pytest.mark.parametrize(
    ("depth", "count", "stages"),
    [(1, 6, "Sequential"), (2, 13, "_EfficientFormerStage x 4"), (3, 18, None), (4, 36, None)],
)
def test_depth_cut(depth: int, count: int, stages: str | None) -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=depth)
    assert len(tree.nodes) == count
    assert max(n.depth for n in tree.nodes) == depth
    if stages is not None:
        label = [f"{n.module.class_name} x {len(n.members)}" if n.is_group else n.module.class_name for n in tree.nodes]
        assert stages in label


def test_depth_4_stages_differ_by_block_count_so_none_fold() -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=4)
    stages = [n for n in tree.nodes if n.module.class_name == "_EfficientFormerStage"]
    assert [s.members for s in stages] == [["stages.0"], ["stages.1"], ["stages.2"], ["stages.3"]]
    blocks = [n for n in tree.nodes if n.module.class_name == "_MetaBlock2d"]
    assert [len(b.members) for b in blocks] == [3, 2, 6, 3]


def test_named_containers_do_not_fold_but_numbered_ones_do() -> None:
    # At depth 1 `stem` and `stages` are both Sequential leaves; they are different roles, not a repeat.
    tree = build_tree(efficientformer_l1_trace(), depth=1)
    assert [n.members for n in tree.nodes[1:3]] == [["stem"], ["stages"]]
    b = TraceBuilder("net", "Net")
    for i in range(3):
        b.add(f"{i}", "Sequential")
        b.add(f"{i}.0", "ReLU")
    assert [len(n.members) for n in build_tree(b.build([], []), depth=2).nodes] == [1, 3, 1]


def test_collapse_repeats_off_draws_every_sibling() -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=3, collapse_repeats=False)
    assert all(len(n.members) == 1 for n in tree.nodes)
    assert sum(n.module.class_name == "_EfficientFormerStage" for n in tree.nodes) == 4


def test_runs_fold_only_consecutive_siblings_of_equal_structure() -> None:
    b = TraceBuilder("net", "Net")
    for i, cls in enumerate(["ReLU", "ReLU", "GELU", "ReLU", "Linear", "Linear", "Linear"]):
        b.add(str(i), cls)
    tree = build_tree(b.build([], []), depth=1)
    assert [(n.module.class_name, len(n.members)) for n in tree.nodes[1:]] == [
        ("ReLU", 2),
        ("GELU", 1),
        ("ReLU", 1),
        ("Linear", 3),
    ]


def test_hidden_classes_are_replaced_by_their_children() -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=2, hide=["Sequential"])
    root_children = [(n.module.path, len(n.members)) for n in tree.root.children]
    # stem's six layers and the four stages now sit directly under the model, one level higher.
    assert root_children[:6] == [
        ("stem.conv1", 1),
        ("stem.norm1", 1),
        ("stem.act1", 1),
        ("stem.conv2", 1),
        ("stem.norm2", 1),
        ("stem.act2", 1),
    ]
    # With `blocks` dissolved the stages differ by their block counts, so none fold.
    assert [path for path, _ in root_children[6:]] == ["stages.0", "stages.1", "stages.2", "stages.3", "norm",
                                                       "head_drop", "head"]  # fmt: skip
    stage0 = tree.nodes[7]
    assert [(n.module.class_name, len(n.members)) for n in stage0.children] == [("Identity", 1), ("_MetaBlock2d", 3)]
    # Hidden modules' own calls vanish; the edges run from stem.act2 straight into stage 0.
    flow = build_flow(tree)
    assert ("m6", "m8") in flow.edges


def test_a_module_called_twice_has_two_calls_and_a_never_called_one_is_still_drawn() -> None:
    b = TraceBuilder("net", "Net")
    b.add("a", "Linear")
    b.add("shared", "ReLU")
    b.add("b", "Linear")
    b.add("unused", "Dropout")
    b.call("", (1, 4), (1, 4))
    for path in ("a", "shared", "b", "shared"):
        b.call(path, (1, 4), (1, 4))
    tree = build_tree(b.build([(1, 4)], [(1, 4)]), depth=1)
    assert [n.module.path for n in tree.nodes] == ["", "a", "shared", "b", "unused"]
    flow = build_flow(tree)
    assert flow.edges == [("input", "m1"), ("m1", "m2"), ("m2", "m3"), ("m2", "output"), ("m3", "m2")]


def test_consecutive_calls_of_one_module_merge_and_a_repeated_leaf_group_has_no_self_loop() -> None:
    b = TraceBuilder("net", "Net")
    for i in range(3):
        b.add(str(i), "ReLU")
    b.call("", (1, 4), (1, 4))
    for path in ("0", "0", "1", "1", "2", "2"):
        b.call(path, (1, 4), (1, 4))
    flow = build_flow(build_tree(b.build([(1, 4)], [(1, 4)]), depth=1))
    assert flow.edges == [("input", "m1"), ("m1", "output")]


def test_calls_below_the_cut_go_to_the_nearest_drawn_ancestor() -> None:
    flow = build_flow(build_tree(efficientformer_l1_trace(), depth=1))
    assert flow.edges == [("input", "m1"), ("m1", "m2"), ("m2", "m3"), ("m3", "m4"), ("m4", "m5"), ("m5", "output")]


def test_depth_zero_draws_the_model_alone() -> None:
    tree = build_tree(efficientformer_l1_trace(), depth=0)
    assert len(tree.nodes) == 1
    assert build_flow(tree).edges == [("input", "m0"), ("m0", "output")]


@pytest.mark.parametrize("depth", [-1, 1.5, True, "3"])
def test_bad_depth_is_refused(depth: object) -> None:
    with pytest.raises(ValueError, match="depth must be an int >= 0"):
        build_tree(efficientformer_l1_trace(), depth=depth)  # type: ignore[arg-type]


def test_hide_must_be_a_collection_of_names() -> None:
    with pytest.raises(TypeError, match="hide=\\['Sequential'\\]"):
        build_tree(efficientformer_l1_trace(), hide="Sequential")


def test_deep_chains_need_no_recursion() -> None:
    b = TraceBuilder("deep", "Net")
    path = ""
    for _ in range(3000):
        path = f"{path}.0" if path else "0"
        b.add(path, "Sequential")
        b.call(path, (1,), (1,))
    tree = build_tree(b.build([(1,)], [(1,)]), depth=3000)
    assert len(tree.nodes) == 3001
    assert build_flow(tree).edges == [("input", "m3000"), ("m3000", "output")]


def test_nested_groups_chain_their_ports() -> None:
    b = TraceBuilder("nested", "Net")
    b.call("", (1, 4), (1, 4))
    for s in range(2):
        b.add(f"{s}", "Stage")
        b.call(f"{s}", (1, 4), (1, 4))
        for k in range(3):
            b.add(f"{s}.{k}", "Block")
            b.call(f"{s}.{k}", (1, 4), (1, 4))
            b.leaf(f"{s}.{k}.fc", "Linear", (1, 4), (1, 8))
            b.leaf(f"{s}.{k}.act", "ReLU", (1, 8), (1, 4))
    tree = build_tree(b.build([(1, 4)], [(1, 4)]), depth=3)
    assert _outline(tree) == [
        ("m0", 0, "Net", 1),
        ("m1", 1, "Stage", 2),
        ("m2", 2, "Block", 3),
        ("m3", 3, "Linear", 1),
        ("m4", 3, "ReLU", 1),
    ]
    flow = build_flow(tree)
    assert flow.ported == [1, 2]
    assert flow.edges == [
        ("input", "m3"),
        ("m1_in", "m3"),  # the second stage starts at the first block's first layer
        ("m1_out", "output"),
        ("m2_in", "m3"),
        ("m2_out", "m1_in"),  # after the first stage's blocks, the second stage
        ("m2_out", "m1_out"),  # a stage ends where its blocks end
        ("m2_out", "m2_in"),  # block after block
        ("m3", "m4"),
        ("m4", "m2_in"),
        ("m4", "m2_out"),
    ]
