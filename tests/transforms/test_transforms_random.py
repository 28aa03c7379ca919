"""Random transforms: each call draws its parameters the way torchvision does (compared by the distribution of many
draws against torchvision's own `get_params`), applies exactly torchvision's function at those parameters, and
repeats under `lucid.random.seed`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

import lucid
import lucid.transforms as T  # noqa: N812 - short, like torchvision.transforms as T

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision.transforms")
TVF = pytest.importorskip("torchvision.transforms.functional")

pytestmark = pytest.mark.torch

DRAWS = 3000
IMAGE = np.random.default_rng(5).integers(0, 256, (40, 64, 3), dtype=np.uint8)
CHW = np.ascontiguousarray(IMAGE.transpose(2, 0, 1))


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs."""
    values = np.union1d(a, b)
    cdf_a = np.searchsorted(np.sort(a), values, side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(b), values, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


# With 3000 draws each, samples from one distribution stay within 0.05 of each other (the 0.001 critical value is
# about 0.05); the seeds are fixed, so this never flakes, and a wrong sampler (uniform ratio instead of log-uniform,
# an off-by-one range) lands far outside.
KS_LIMIT = 0.05


def draws(ours: Callable[[], tuple], theirs: Callable[[], tuple]) -> tuple[np.ndarray, np.ndarray]:
    lucid.random.seed(1)
    torch.manual_seed(1)
    mine = np.array([ours() for _ in range(DRAWS)], dtype=np.float64)
    reference = np.array([theirs() for _ in range(DRAWS)], dtype=np.float64)
    return mine, reference


@pytest.mark.parametrize(
    ("scale", "ratio", "shape"),
    [((0.08, 1.0), (3 / 4, 4 / 3), (40, 64)), ((0.3, 0.9), (0.2, 5.0), (40, 64)), ((0.9, 1.0), (3.0, 4.0), (64, 20))],
)
def test_random_resized_crop_params_are_distributed_as_torchvision(scale: tuple, ratio: tuple, shape: tuple) -> None:
    img = np.zeros(shape)
    tensor = torch.zeros(1, *shape)
    mine, reference = draws(
        lambda: T.RandomResizedCrop.get_params(img, scale, ratio),
        lambda: tv.RandomResizedCrop.get_params(tensor, list(scale), list(ratio)),
    )
    for column, name in enumerate(("top", "left", "height", "width")):
        assert ks_distance(mine[:, column], reference[:, column]) < KS_LIMIT, name
    aspect_mine = mine[:, 3] / mine[:, 2]
    aspect_ref = reference[:, 3] / reference[:, 2]
    assert ks_distance(aspect_mine, aspect_ref) < KS_LIMIT
    # every box lies inside the image, and the fallback (a central box) is taken as often
    assert (mine[:, 0] + mine[:, 2] <= shape[0]).all() and (mine[:, 1] + mine[:, 3] <= shape[1]).all()
    assert mine.min() >= 0


def test_random_resized_crop_fallback_is_torchvision_central_box() -> None:
    # An impossible scale makes every try miss, so both give the deterministic fallback box.
    for shape, ratio in (((40, 64), (3 / 4, 4 / 3)), ((40, 64), (2.0, 3.0)), ((64, 20), (0.5, 0.8))):
        ours = T.RandomResizedCrop.get_params(np.zeros(shape), (5.0, 6.0), ratio)
        theirs = tv.RandomResizedCrop.get_params(torch.zeros(1, *shape), [5.0, 6.0], list(ratio))
        assert ours == tuple(theirs)


def test_random_crop_params_are_uniform_over_every_position() -> None:
    mine, reference = draws(
        lambda: T.RandomCrop.get_params(IMAGE, (30, 50)),
        lambda: tv.RandomCrop.get_params(torch.from_numpy(CHW), (30, 50)),
    )
    for column in (0, 1):
        assert ks_distance(mine[:, column], reference[:, column]) < KS_LIMIT
    assert set(mine[:, 0].astype(int)) == set(range(40 - 30 + 1))  # both ends reachable
    assert set(mine[:, 1].astype(int)) == set(range(64 - 50 + 1))
    assert (mine[:, 2:] == [30, 50]).all()


def test_color_jitter_params_are_distributed_as_torchvision() -> None:
    ranges = ((0.6, 1.4), (0.5, 1.5), None, (-0.2, 0.1))
    lucid.random.seed(2)
    torch.manual_seed(2)
    ours = [T.ColorJitter.get_params(*ranges) for _ in range(DRAWS)]
    theirs = [tv.ColorJitter.get_params(*ranges) for _ in range(DRAWS)]
    for k in (1, 2, 4):
        assert ks_distance(np.array([o[k] for o in ours]), np.array([t[k] for t in theirs])) < KS_LIMIT
    assert all(o[3] is None for o in ours)
    orders = Counter(tuple(o[0]) for o in ours)
    assert len(orders) == 24  # every order of the four adjustments occurs, about equally often
    assert max(orders.values()) < 2 * DRAWS / 24


@pytest.mark.parametrize("flip", [T.RandomHorizontalFlip, T.RandomVerticalFlip])
def test_flip_probability(flip: type) -> None:
    lucid.random.seed(3)
    transform = flip(p=0.3)
    flipped = sum(not np.array_equal(transform(IMAGE), IMAGE) for _ in range(2000))
    assert abs(flipped / 2000 - 0.3) < 0.04
    assert all(np.array_equal(flip(p=0.0)(IMAGE), IMAGE) for _ in range(50))


# Forced parameters: draw what a call will use with get_params under a seed, then make the call under the same
# seed; it must equal torchvision's functional transform at those parameters.


@pytest.mark.parametrize("seed", range(5))
def test_random_resized_crop_applies_torchvision_resized_crop(seed: int) -> None:
    transform = T.RandomResizedCrop([24, 32], scale=(0.2, 1.0))
    lucid.random.seed(seed)
    top, left, h, w = T.RandomResizedCrop.get_params(IMAGE, transform.scale, transform.ratio)
    lucid.random.seed(seed)
    out = transform(lucid.tensor(CHW))
    expected = TVF.resized_crop(torch.from_numpy(CHW), top, left, h, w, [24, 32])
    diff = np.abs(out.numpy().astype(int) - expected.numpy().astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() <= 0.01  # uint8 rounding ties, as in the resize parity test


@pytest.mark.parametrize("seed", range(5))
def test_random_crop_applies_torchvision_crop(seed: int) -> None:
    transform = T.RandomCrop((50, 44), padding=[2, 3], pad_if_needed=True, padding_mode="reflect")
    # torchvision's steps: the padding, then (46 rows < 50) pad_if_needed adds 50 - 46 rows at the top and the bottom
    padded = TVF.pad(torch.from_numpy(CHW), [2, 3], padding_mode="reflect")
    padded = TVF.pad(padded, [0, 50 - padded.shape[1]], padding_mode="reflect")
    assert tuple(padded.shape) == (3, 54, 68)
    lucid.random.seed(seed)
    top, left, h, w = T.RandomCrop.get_params(padded.numpy().transpose(1, 2, 0), (50, 44))
    lucid.random.seed(seed)
    out = transform(IMAGE)  # a NumPy image in, a NumPy image out
    np.testing.assert_array_equal(out, TVF.crop(padded, top, left, h, w).numpy().transpose(1, 2, 0))


@pytest.mark.parametrize("seed", range(5))
def test_color_jitter_applies_torchvision_adjustments_in_the_drawn_order(seed: int) -> None:
    transform = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)
    lucid.random.seed(seed)
    order, b, c, s, h = T.ColorJitter.get_params(
        transform.brightness, transform.contrast, transform.saturation, transform.hue
    )
    lucid.random.seed(seed)
    out = transform(lucid.tensor(CHW.astype(np.float32) / 255))
    expected = torch.from_numpy(CHW.astype(np.float32) / 255)
    steps = {
        0: (TVF.adjust_brightness, b),
        1: (TVF.adjust_contrast, c),
        2: (TVF.adjust_saturation, s),
        3: (TVF.adjust_hue, h),
    }
    for step in order:
        function, factor = steps[step]
        expected = function(expected, factor)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=0, atol=1e-5)


def test_random_transforms_repeat_under_a_seed() -> None:
    pipeline = T.Compose(
        [T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.RandomCrop(12)]
    )
    lucid.random.seed(11)
    first = [pipeline(IMAGE) for _ in range(5)]
    lucid.random.seed(11)
    second = [pipeline(IMAGE) for _ in range(5)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not all(np.array_equal(first[0], other) for other in first[1:])  # and the draws do differ
