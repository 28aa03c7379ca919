"""EfficientFormer against timm's reference implementation: same weights in, same numbers out.

timm's model is built with random weights (never from a hub), its BatchNorm statistics, norms,
layer scales and attention biases are set to non-trivial values, and its state dict is converted
with `convert_timm_state_dict` and loaded strictly. timm's `forward_head` averages `head` and the
distillation head `head_dist`; we have no distillation head, so logits are compared with timm's
`head` applied to its pooled features.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.models as models
from lucid.models.efficientformer import convert_timm_state_dict

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")

pytestmark = pytest.mark.torch


def _timm_model(name: str, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    reference = timm.create_model(name, pretrained=False)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.normal_(0.0, 0.1, generator=generator)
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.2, generator=generator)
                module.running_var.uniform_(0.5, 2.0, generator=generator)
        for name_, param in reference.named_parameters():
            if name_.endswith(".gamma"):  # layer scales: at 1e-5 the blocks would hardly contribute
                param.uniform_(0.05, 0.5, generator=generator)
            elif name_.endswith("attention_biases"):
                param.normal_(0.0, 0.5, generator=generator)
    return reference


def _pair(name: str, seed: int = 0) -> tuple[torch.nn.Module, lucid.nn.Module]:
    reference = _timm_model(name, seed)
    state = {key: value.detach().numpy() for key, value in reference.state_dict().items()}
    ours = models.create_model(name)
    ours.load_state_dict(convert_timm_state_dict(state), strict=True)
    return reference, ours


def _rel(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.linalg.norm(ours - theirs) / np.linalg.norm(theirs))


@pytest.mark.parametrize("name", ["efficientformer_l1", "efficientformer_l3"])
def test_eval_features_and_logits_match_timm(name: str) -> None:
    reference, ours = _pair(name)
    reference.eval()
    ours.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        features_ref = reference.forward_features(torch.from_numpy(x))
        logits_ref = reference.head(reference.forward_head(features_ref, pre_logits=True))
    with lucid.no_grad():
        features = ours.forward_features(lucid.tensor(x))
        logits = ours.forward_head(features)
    assert _rel(features.numpy(), features_ref.numpy()) < 1e-4
    assert _rel(logits.numpy(), logits_ref.numpy()) < 1e-4


@pytest.mark.parametrize("name", ["efficientformer_l1", "efficientformer_l3"])
def test_train_mode_gradients_match_timm(name: str) -> None:
    reference, ours = _pair(name, seed=1)
    reference.train()
    ours.train()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 224, 224)).astype(np.float32)
    weights = rng.standard_normal((2, 1000)).astype(np.float32)

    logits_ref = reference.head(
        reference.forward_head(reference.forward_features(torch.from_numpy(x)), pre_logits=True)
    )
    (logits_ref * torch.from_numpy(weights)).sum().backward()
    logits = ours(lucid.tensor(x))
    (logits * lucid.tensor(weights)).sum().backward()

    assert _rel(logits.numpy(), logits_ref.detach().numpy()) < 1e-4
    grads_ref = {key: param.grad.numpy() for key, param in reference.named_parameters() if param.grad is not None}
    errors, cancelled = [], []
    for key, param in ours.named_parameters():
        owner = ours.get_submodule(key.rpartition(".")[0])
        if key.endswith(".bias") and isinstance(owner, lucid.nn.Conv2d):
            # Every convolution here feeds a train-mode BatchNorm, which subtracts the batch mean and with
            # it the bias: the true gradient is zero and both libraries report rounding noise. Check it
            # is negligible next to the weight's gradient instead of comparing noise with noise.
            scale = np.linalg.norm(grads_ref[key.replace(".bias", ".weight")])
            cancelled.append((float(np.linalg.norm(param.grad) / scale), key))
            continue
        error = np.linalg.norm(param.grad - grads_ref[key]) / np.linalg.norm(grads_ref[key])
        errors.append((float(error), key))
    assert len(errors) + len(cancelled) == len(grads_ref)  # timm's unused head_dist has no gradient
    assert max(errors)[0] < 1e-3, sorted(errors, reverse=True)[:5]
    assert max(cancelled)[0] < 1e-4, sorted(cancelled, reverse=True)[:5]
