"""EfficientFormer: structure and names, parameter counts, config validation, errors, training."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.models as models
from lucid import nn
from lucid.models import EfficientFormer, EfficientFormerConfig
from lucid.models.efficientformer import convert_timm_state_dict

TINY = dict(depths=(1, 1), embed_dims=(8, 16), num_vit=1, num_classes=4)  # 7×7 grid from a 56×56 input


def _param_count(model: nn.Module) -> int:
    return sum(p.size for p in model.parameters())


@pytest.mark.parametrize(
    ("name", "count"),
    [("efficientformer_l1", 11_840_928), ("efficientformer_l3", 30_893_000), ("efficientformer_l7", 81_460_328)],
)
def test_parameter_counts_match_the_paper_models(name: str, count: int) -> None:
    assert _param_count(models.create_model(name)) == count


def test_docs_card_example_builds_l1() -> None:
    namespace: dict = {}
    lines = [line[4:] for line in EfficientFormer.card.example.splitlines()]
    exec("\n".join(lines), namespace)
    model = namespace["model"]
    assert isinstance(model, EfficientFormer) and _param_count(model) == 11_840_928
    assert EfficientFormer.card.badges == ("Transformer", "Vision Transformer")


def test_l1_structure_and_names() -> None:
    model = models.efficientformer_l1()
    assert [n for n, _ in model.named_children()] == ["stem", "stages", "norm", "head_drop", "head"]
    assert [n for n, _ in model.stem.named_children()] == ["conv1", "norm1", "act1", "conv2", "norm2", "act2"]
    assert model.stem.conv1.out_channels == 24 and model.stem.conv1.stride in (2, (2, 2))
    assert isinstance(model.stem.act1, nn.ReLU)
    kinds = [type(stage.downsample).__name__ for stage in model.stages]
    assert kinds == ["Identity", "_Downsample", "_Downsample", "_Downsample"]
    last = [type(block).__name__ for block in model.stages[3].blocks]
    assert last == ["_MetaBlock2d", "_MetaBlock2d", "_MetaBlock2d", "_Flat", "_MetaBlock1d"]
    pool = model.stages[0].blocks[0].token_mixer.pool
    assert isinstance(pool, nn.AvgPool2d) and pool.count_include_pad is False
    assert model.get_submodule("stages.3.blocks.4.token_mixer").qualified_name == "stages.3.blocks.4.token_mixer"
    assert isinstance(model.norm, nn.LayerNorm) and model.head.out_features == 1000


def test_initialisation() -> None:
    model = EfficientFormer(EfficientFormerConfig(depths=(1, 2), embed_dims=(32, 64), num_vit=2))
    weights = np.concatenate([m.weight.numpy().ravel() for m in model.modules() if isinstance(m, nn.Linear)])
    assert abs(weights.std() - 0.02) < 0.001 and abs(weights.mean()) < 0.001
    assert all(not m.bias.numpy().any() for m in model.modules() if isinstance(m, nn.Linear))
    gammas = [p.numpy() for n, p in model.named_parameters() if n.endswith(".gamma")]
    assert len(gammas) == 3 * 2 and all(np.all(g == np.float32(1e-5)) for g in gammas)
    biases = [p for n, p in model.named_parameters() if n.endswith("attention_biases")]
    assert [b.shape for b in biases] == [(8, 49), (8, 49)] and not any(b.numpy().any() for b in biases)
    # The offset table is rebuilt from the grid size, so it is not part of the saved weights.
    assert not any("attention_bias_idxs" in key for key in model.state_dict())


def test_relative_position_index_is_symmetric_offset_numbering() -> None:
    attn = models.efficientformer_l1().stages[3].blocks[4].token_mixer
    idx = attn.attention_bias_idxs.numpy()
    assert idx.shape == (49, 49) and (idx == idx.T).all() and (np.diag(idx) == 0).all()
    # token 0 is grid cell (0, 0), token 8 is (1, 1), token 48 is (6, 6): offsets numbered |Δrow|·7 + |Δcol|
    assert idx[0, 8] == 8 and idx[0, 48] == 48 and idx[8, 1] == 7 and idx[3, 1] == 2


def test_small_config_gives_one_row_per_image() -> None:
    config = EfficientFormerConfig(depths=(1, 1, 1, 1), embed_dims=(8, 16, 24, 32), num_vit=1, num_classes=7)
    model = EfficientFormer(config).eval()
    assert getattr(model, "model_name", type(model).__name__) == "EfficientFormer"
    with lucid.no_grad():
        assert model(lucid.randn(3, 3, 224, 224)).shape == (3, 7)


def test_head_variants() -> None:
    x = lucid.randn(2, 3, 56, 56)
    with lucid.no_grad():
        pooled = EfficientFormer(EfficientFormerConfig(**{**TINY, "num_classes": 0})).eval()
        assert isinstance(pooled.head, nn.Identity) and pooled(x).shape == (2, 16)
        tokens = EfficientFormer(EfficientFormerConfig(**TINY, global_pool=False)).eval()
        assert tokens(x).shape == (2, 49, 4)
        model = EfficientFormer(EfficientFormerConfig(**TINY)).eval()
        features = model.forward_features(x)
        assert features.shape == (2, 49, 16)
        pre = model.forward_head(features, pre_logits=True)
        np.testing.assert_allclose(pre.numpy(), features.numpy().mean(axis=1), rtol=1e-6)
        np.testing.assert_allclose(model.head(pre).numpy(), model(x).numpy(), rtol=1e-6)


def test_without_attention_any_input_size_works() -> None:
    model = EfficientFormer(EfficientFormerConfig(depths=(1, 2), embed_dims=(8, 16), num_vit=0, num_classes=3))
    assert type(model.stages[1].blocks[2]).__name__ == "_Flat"
    with lucid.no_grad():
        assert model.eval()(lucid.randn(1, 3, 40, 24)).shape == (1, 3)


def test_attention_at_start_of_stage_flattens_first() -> None:
    model = EfficientFormer(EfficientFormerConfig(depths=(1, 2), embed_dims=(8, 16), num_vit=2))
    assert [type(b).__name__ for b in model.stages[1].blocks] == ["_Flat", "_MetaBlock1d", "_MetaBlock1d"]


def test_downsampling_schedule() -> None:
    default = EfficientFormerConfig(depths=(1, 1, 1), embed_dims=(8, 16, 32))
    assert default.stage_downsamples == (False, True, True)
    custom = EfficientFormerConfig(depths=(1, 1, 1), embed_dims=(8, 8, 32), downsamples=(True, False, True), num_vit=1)
    model = EfficientFormer(custom)
    assert [type(s.downsample).__name__ for s in model.stages] == ["_Downsample", "Identity", "_Downsample"]
    with lucid.no_grad():
        assert model.eval()(lucid.randn(1, 3, 112, 112)).shape == (1, 1000)  # 112 / 16 = 7


def test_drop_path_rates_grow_linearly_over_blocks() -> None:
    model = EfficientFormer(EfficientFormerConfig(depths=(2, 3), embed_dims=(8, 16), drop_path_rate=0.4, num_vit=1))
    blocks = [b for s in model.stages for b in s.blocks if hasattr(b, "drop_path1")]
    assert isinstance(blocks[0].drop_path1, nn.Identity)  # rate 0
    np.testing.assert_allclose([b.drop_path2.drop_prob for b in blocks[1:]], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)


BAD_FIELDS = [
    (dict(depths=()), ValueError, "depths"),
    (dict(depths=(1, 0)), ValueError, "depths"),
    (dict(depths=(1, 1.5)), TypeError, "depths"),
    (dict(embed_dims=(8,)), ValueError, "embed_dims"),
    (dict(embed_dims=(8, -16)), ValueError, "embed_dims"),
    (dict(in_channels=0), ValueError, "in_channels"),
    (dict(num_classes=-1), ValueError, "num_classes"),
    (dict(downsamples=(False,)), ValueError, "downsamples"),
    (dict(downsamples=(False, False)), ValueError, "downsamples"),  # width 8 -> 16 needs a downsample
    (dict(num_vit=-1), ValueError, "num_vit"),
    (dict(num_vit=2), ValueError, "num_vit"),  # the last stage has one block
    (dict(mlp_ratios=0.0), ValueError, "mlp_ratios"),
    (dict(pool_size=0), ValueError, "pool_size"),
    (dict(pool_size=4), ValueError, "pool_size"),
    (dict(layer_scale_init_value=-1e-5), ValueError, "layer_scale_init_value"),
    (dict(drop_rate=1.0), ValueError, "drop_rate"),
    (dict(proj_drop_rate=-0.1), ValueError, "proj_drop_rate"),
    (dict(drop_path_rate=1.5), ValueError, "drop_path_rate"),
    (dict(global_pool="avg"), TypeError, "global_pool"),
]


@pytest.mark.parametrize(("change", "error", "field"), BAD_FIELDS)
def test_config_rejects_each_bad_field(change: dict, error: type[Exception], field: str) -> None:
    with pytest.raises(error, match=rf"EfficientFormerConfig\.{field}:"):
        EfficientFormerConfig(**{**TINY, **change})


@pytest.mark.parametrize("field", ["depths", "embed_dims", "num_vit"])
def test_factories_refuse_to_change_the_variant(field: str) -> None:
    with pytest.raises(TypeError, match=f"efficientformer_l1\\(\\) fixes {field}"):
        models.efficientformer_l1(**{field: getattr(EfficientFormerConfig(**TINY), field)})


def test_factories_pass_other_fields_through() -> None:
    model = models.efficientformer_l1(num_classes=10, drop_rate=0.25, in_channels=1, layer_scale_init_value=0.5)
    assert model.config.depths == (3, 2, 6, 4) and model.config.num_vit == 1
    assert model.head.out_features == 10 and model.head_drop.p == 0.25
    assert model.stem.conv1.in_channels == 1
    assert np.all(model.stages[0].blocks[0].ls1.gamma.numpy() == 0.5)
    with pytest.raises(TypeError, match="did you mean 'drop_rate'"):
        models.efficientformer_l1(droprate=0.1)


def test_wrong_channel_count_names_the_stem() -> None:
    model = models.efficientformer_l1()
    with pytest.raises(
        ValueError, match=r"stem\.conv1: expected input of shape \(N, 3, H, W\), got shape \(1, 1, 224, 224\)"
    ):
        model(lucid.randn(1, 1, 224, 224))
    with pytest.raises(ValueError, match=r"got shape \(3, 224, 224\)"):
        model(lucid.randn(3, 224, 224))


def test_wrong_spatial_size_names_the_attention_block() -> None:
    model = models.efficientformer_l1()
    expected = "stages.3.blocks.4.token_mixer: expected 49 tokens (7×7 attention grid), got 64 (input 256×256)"
    with pytest.raises(ValueError) as info:
        model(lucid.randn(1, 3, 256, 256))
    assert str(info.value).startswith(expected)
    assert "193 to 224" in str(info.value)
    # Sizes that round to the same 7×7 grid are accepted.
    with lucid.no_grad():
        assert EfficientFormer(EfficientFormerConfig(**TINY)).eval()(lucid.randn(1, 3, 50, 56)).shape == (1, 4)


def test_attention_block_used_alone_reports_bad_token_count() -> None:
    attn = models.efficientformer_l1().stages[3].blocks[4].token_mixer
    with pytest.raises(ValueError, match=r"stages\.3\.blocks\.4\.token_mixer: expected 49 tokens .* got 50"):
        attn(lucid.randn(1, 50, 448))


def test_convert_drops_distillation_head_and_offset_tables() -> None:
    model = EfficientFormer(EfficientFormerConfig(**TINY))
    sd = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    timm_like = {**sd, "head_dist.weight": np.zeros((4, 16)), "head_dist.bias": np.zeros(4)}
    timm_like["stages.1.blocks.1.token_mixer.attention_bias_idxs"] = np.zeros((49, 49), dtype=np.int64)
    converted = convert_timm_state_dict(timm_like)
    assert set(converted) == set(sd)
    model.load_state_dict(converted, strict=True)
    with pytest.raises(TypeError, match="mapping"):
        convert_timm_state_dict([("a", 1)])  # type: ignore[arg-type]


def test_tiny_model_learns_with_sgd() -> None:
    model = EfficientFormer(EfficientFormerConfig(**TINY, layer_scale_init_value=1.0)).train()
    x = lucid.randn(8, 3, 56, 56)
    labels = np.arange(8) % 4
    onehot = lucid.tensor(np.eye(4, dtype=np.float32)[labels])
    optimizer = lucid.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)

    def step() -> float:
        logits = model(x)
        shifted = logits - lucid.tensor(logits.numpy().max(axis=1, keepdims=True))
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        loss = -(log_probs * onehot).sum() * (1.0 / 8)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    losses = [step() for _ in range(10)]
    assert losses[-1] < 0.5 * losses[0], losses
