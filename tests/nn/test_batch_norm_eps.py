"""Eval-mode batch norm honours `eps` as PyTorch does: y = (x - running_mean) / sqrt(running_var + eps) * w + b.

The running variances are small (1e-4 to 1e-2), of the order of the eps values tried, so an eps that is ignored,
replaced by the default 1e-5 or added in the wrong place changes the output and every gradient by far more than the
tolerance. The layers' default-eps parity is in test_layers_parity.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import lucid
from lucid.nn import functional as F  # noqa: N812 - the conventional spelling
from lucid.nn import layers as L  # noqa: N812 - short, like torch.nn as tnn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TOL = 1e-5
EPS = [1e-1, 1e-3, 0.5]
CHANNELS = 5


def _close(actual: np.ndarray, expected: torch.Tensor, what: str) -> None:
    expected_np = expected.detach().numpy()
    assert actual.shape == expected_np.shape, f"{what}: shape {actual.shape} vs torch {expected_np.shape}"
    scale = max(1.0, float(np.abs(expected_np).max()))
    error = float(np.abs(actual - expected_np).max())
    assert error <= TOL * scale, f"{what}: max difference {error:.3g} from torch"


def _statistics(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Running statistics with variances small enough that eps matters, and non-trivial affine weights."""
    return {
        "running_mean": rng.standard_normal(CHANNELS).astype(np.float32),
        "running_var": rng.uniform(1e-4, 1e-2, CHANNELS).astype(np.float32),
        "weight": rng.standard_normal(CHANNELS).astype(np.float32),
        "bias": rng.standard_normal(CHANNELS).astype(np.float32),
    }


def _check_layer(ours: lucid.nn.Module, theirs: torch.nn.Module, shape: tuple[int, ...], seed: int = 0) -> None:
    """Forward, input gradient and parameter gradients of two eval-mode layers on the same input."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    ours.zero_grad()
    theirs.zero_grad()
    x_ours, x_theirs = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    _close(y_ours.data, y_theirs, "forward")
    seed_grad = rng.standard_normal(shape).astype(np.float32)
    y_ours.backward(seed_grad)
    y_theirs.backward(torch.tensor(seed_grad))
    _close(x_ours.grad, x_theirs.grad, "input gradient")
    ours_params = dict(ours.named_parameters())
    assert sorted(ours_params) == sorted(name for name, _ in theirs.named_parameters())
    for name, p in theirs.named_parameters():
        _close(ours_params[name].grad, p.grad, f"gradient of {name}")


def _pair(
    ours_cls: Callable[..., lucid.nn.Module], theirs_cls: Callable[..., torch.nn.Module], **options: object
) -> tuple[lucid.nn.Module, torch.nn.Module]:
    """The same eval-mode layer in both libraries, with the same small-variance statistics."""
    theirs = theirs_cls(CHANNELS, **options).eval()
    stats = _statistics(np.random.default_rng(1))
    with torch.no_grad():
        for name, t in theirs.state_dict().items():
            if name in stats:
                t.copy_(torch.from_numpy(stats[name]))
    ours = ours_cls(CHANNELS, **options)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours.eval(), theirs


LAYERS = [
    (L.BatchNorm2d, torch.nn.BatchNorm2d, (4, CHANNELS, 3, 2)),
    (L.BatchNorm1d, torch.nn.BatchNorm1d, (6, CHANNELS)),
    (L.BatchNorm1d, torch.nn.BatchNorm1d, (4, CHANNELS, 7)),
]
LAYER_IDS = ["2d", "1d-NC", "1d-NCL"]
# affine with bias, affine without bias (a constant zero shift), and no affine at all.
AFFINE = [{}, {"bias": False}, {"affine": False}]
AFFINE_IDS = ["affine", "no-bias", "no-affine"]


@pytest.mark.parametrize("affine", AFFINE, ids=AFFINE_IDS)
@pytest.mark.parametrize("eps", EPS)
@pytest.mark.parametrize(("ours_cls", "theirs_cls", "shape"), LAYERS, ids=LAYER_IDS)
def test_eval_batch_norm_with_eps_matches_torch(
    ours_cls: type, theirs_cls: type, shape: tuple[int, ...], eps: float, affine: dict[str, bool]
) -> None:
    ours, theirs = _pair(ours_cls, theirs_cls, eps=eps, **affine)
    _check_layer(ours, theirs, shape)


@pytest.mark.parametrize(("ours_cls", "theirs_cls", "shape"), LAYERS, ids=LAYER_IDS)
def test_eps_set_after_construction_is_used(ours_cls: type, theirs_cls: type, shape: tuple[int, ...]) -> None:
    ours, theirs = _pair(ours_cls, theirs_cls)
    # One call first: a value folded on the first call must not outlive the change.
    _check_layer(ours, theirs, shape)
    before = ours(lucid.tensor(np.ones(shape, dtype=np.float32))).data
    ours.eps = theirs.eps = 0.3
    _check_layer(ours, theirs, shape, seed=2)
    assert not np.allclose(ours(lucid.tensor(np.ones(shape, dtype=np.float32))).data, before)


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("eps", EPS)
def test_functional_eval_batch_norm_with_eps_matches_torch(eps: float, affine: bool) -> None:
    rng = np.random.default_rng(3)
    stats = _statistics(rng)
    x = rng.standard_normal((3, CHANNELS, 4, 2)).astype(np.float32)
    names = ("weight", "bias") if affine else ()
    ours = {name: lucid.tensor(stats[name], requires_grad=True) for name in names}
    theirs = {name: torch.tensor(stats[name], requires_grad=True) for name in names}
    x_ours, x_theirs = lucid.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mean, var = stats["running_mean"], stats["running_var"]
    y_ours = F.batch_norm(x_ours, lucid.tensor(mean), lucid.tensor(var), **ours, training=False, eps=eps)
    y_theirs = torch.nn.functional.batch_norm(
        x_theirs, torch.tensor(mean), torch.tensor(var), **theirs, training=False, eps=eps
    )
    _close(y_ours.data, y_theirs, "forward")
    seed_grad = rng.standard_normal(x.shape).astype(np.float32)
    y_ours.backward(seed_grad)
    y_theirs.backward(torch.tensor(seed_grad))
    _close(x_ours.grad, x_theirs.grad, "input gradient")
    for name in names:
        _close(ours[name].grad, theirs[name].grad, f"gradient of {name}")
