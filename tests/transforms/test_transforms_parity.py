"""lucid.transforms against torchvision on the same pixels: the deterministic functions on tensors (float32 within
1e-5 of the largest value, uint8 exactly except where float rounding order decides a tie), the NumPy (H, W, C) path
against the same pixels channels-first, and the transform classes' reprs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
import lucid.transforms as T  # noqa: N812 - short, like torchvision.transforms as T
import lucid.transforms.functional as F  # noqa: N812 - like torchvision.transforms.functional as F

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision.transforms")
TVF = pytest.importorskip("torchvision.transforms.functional")

pytestmark = pytest.mark.torch

_rng = np.random.default_rng(18)
IMAGES = {
    "float32": _rng.random((3, 37, 53), dtype=np.float32),
    "uint8": _rng.integers(0, 256, (3, 37, 53), dtype=np.uint8),
}
GRAY = _rng.integers(0, 256, (1, 20, 24), dtype=np.uint8)
BATCH = _rng.random((2, 3, 12, 16), dtype=np.float32)

# (label, ours(img, **kw), theirs(img, **kw)) over both dtypes; the functions take the image first.
CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    *[
        (
            f"resize {size} antialias={aa}",
            lambda x, size=size, aa=aa: F.resize(x, size, antialias=aa),
            lambda x, size=size, aa=aa: TVF.resize(x, size, antialias=aa),
        )
        for aa in (True, False)
        for size in ([20, 30], [80, 100], 17, [37, 10], [5, 90], [1, 1])
    ],
    *[
        (
            f"resize nearest {size}",
            lambda x, size=size: F.resize(x, size, interpolation=T.InterpolationMode.NEAREST),
            lambda x, size=size: TVF.resize(x, size, interpolation=TVF.InterpolationMode.NEAREST),
        )
        for size in ([20, 30], [74, 106], 17, [100, 7])
    ],
    ("resize max_size", lambda x: F.resize(x, 20, max_size=25), lambda x: TVF.resize(x, 20, max_size=25)),
    *[
        (f"center_crop {s}", lambda x, s=s: F.center_crop(x, s), lambda x, s=s: TVF.center_crop(x, s))
        for s in (10, [36, 52], [40, 60], [5, 70], [2, 3])
    ],
    ("crop inside", lambda x: F.crop(x, 3, 5, 10, 20), lambda x: TVF.crop(x, 3, 5, 10, 20)),
    ("crop outside", lambda x: F.crop(x, -3, 40, 45, 20), lambda x: TVF.crop(x, -3, 40, 45, 20)),
    *[
        (
            f"pad {mode} {padding}",
            lambda x, mode=mode, padding=padding: F.pad(x, padding, padding_mode=mode),
            lambda x, mode=mode, padding=padding: TVF.pad(x, padding, padding_mode=mode),
        )
        for mode in ("constant", "edge", "reflect", "symmetric")
        for padding in (2, [1, 3], [1, 2, 3, 4])
    ],
    ("pad fill", lambda x: F.pad(x, 2, fill=1), lambda x: TVF.pad(x, 2, fill=1)),
    ("hflip", F.hflip, TVF.hflip),
    ("vflip", F.vflip, TVF.vflip),
    (
        "resized_crop",
        lambda x: F.resized_crop(x, 3, 4, 20, 30, [16, 16]),
        lambda x: TVF.resized_crop(x, 3, 4, 20, 30, [16, 16]),
    ),
    ("rgb_to_grayscale", F.rgb_to_grayscale, TVF.rgb_to_grayscale),
    ("rgb_to_grayscale 3", lambda x: F.rgb_to_grayscale(x, 3), lambda x: TVF.rgb_to_grayscale(x, 3)),
    *[
        (f"{name} {factor}", lambda x, f=ours, v=factor: f(x, v), lambda x, f=theirs, v=factor: f(x, v))
        for name, ours, theirs in (
            ("brightness", F.adjust_brightness, TVF.adjust_brightness),
            ("contrast", F.adjust_contrast, TVF.adjust_contrast),
            ("saturation", F.adjust_saturation, TVF.adjust_saturation),
        )
        for factor in (0.0, 0.3, 1.0, 1.7)
    ],
    *[
        (f"hue {h}", lambda x, h=h: F.adjust_hue(x, h), lambda x, h=h: TVF.adjust_hue(x, h))
        for h in (-0.5, -0.4, 0.0, 0.13, 0.5)
    ],
]

# uint8 results where torch and we sum the same float32 terms in a different order: a pixel whose exact value is a
# rounding tie (x.5 or an integer) may land one apart. Everything else is exact.
ROUNDING_TIES = ("resize", "resized_crop", "contrast")


def compare(ours: Any, theirs: Any, exact: bool) -> None:
    got = ours.numpy() if isinstance(ours, lucid.Tensor) else ours
    want = theirs.numpy()
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    if want.dtype.kind == "f":
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * scale)
    elif exact:
        np.testing.assert_array_equal(got, want)
    else:
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        assert diff.max() <= 1 and (diff > 0).mean() <= 0.01, (diff.max(), (diff > 0).mean())


@pytest.mark.parametrize("dtype", sorted(IMAGES))
@pytest.mark.parametrize(("label", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_tensor_functions_match_torchvision(label: str, ours: Callable, theirs: Callable, dtype: str) -> None:
    pixels = IMAGES[dtype]
    compare(ours(lucid.tensor(pixels)), theirs(torch.from_numpy(pixels)), exact=not label.startswith(ROUNDING_TIES))


@pytest.mark.parametrize(("label", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_numpy_images_get_what_torchvision_gives_the_same_pixels(label: str, ours: Callable, theirs: Callable) -> None:
    pixels = IMAGES["uint8"]
    out = ours(np.ascontiguousarray(pixels.transpose(1, 2, 0)))  # the same image as HWC, as a loader gives it
    assert isinstance(out, np.ndarray)
    chw = out.transpose(2, 0, 1)
    compare(chw, theirs(torch.from_numpy(pixels)), exact=not label.startswith(ROUNDING_TIES))
    # and a NumPy image gets exactly what the lucid Tensor path gives
    np.testing.assert_array_equal(chw, ours(lucid.tensor(pixels)).numpy())


PER_CHANNEL = [c for c in CASES if c[0].startswith(("resize", "center_crop", "pad", "hflip", "crop", "brightness"))]


@pytest.mark.parametrize(("label", "ours", "theirs"), PER_CHANNEL, ids=[c[0] for c in PER_CHANNEL])
def test_one_channel_and_batched_images(label: str, ours: Callable, theirs: Callable) -> None:
    exact = not label.startswith(ROUNDING_TIES)
    compare(ours(lucid.tensor(GRAY)), theirs(torch.from_numpy(GRAY)), exact)
    compare(ours(lucid.tensor(BATCH)), theirs(torch.from_numpy(BATCH)), exact)
    plane = ours(GRAY[0])  # a NumPy (H, W) image stays 2-D
    assert plane.ndim == 2
    compare(plane[None], theirs(torch.from_numpy(GRAY)), exact)


def test_to_tensor_matches() -> None:
    hwc = np.ascontiguousarray(IMAGES["uint8"].transpose(1, 2, 0))
    compare(F.to_tensor(hwc), TVF.to_tensor(hwc), exact=True)
    compare(T.ToTensor()(hwc[:, :, 0]), tv.ToTensor()(hwc[:, :, 0]), exact=True)
    floats = hwc.astype(np.float64) / 7
    compare(F.to_tensor(floats), TVF.to_tensor(floats), exact=True)  # non-uint8 keeps its dtype and values


@pytest.mark.parametrize(("mean", "std"), [([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), (0.5, 0.25), ([0.1], [3.0])])
def test_normalize_matches(mean: Any, std: Any) -> None:
    pixels = IMAGES["float32"]
    compare(T.Normalize(mean, std)(lucid.tensor(pixels)), tv.Normalize(mean, std)(torch.from_numpy(pixels)), exact=True)
    compare(F.normalize(lucid.tensor(BATCH), mean, std), TVF.normalize(torch.from_numpy(BATCH), mean, std), exact=True)


def test_compose_pipeline_matches() -> None:
    hwc = np.ascontiguousarray(IMAGES["uint8"].transpose(1, 2, 0))
    steps = [
        ("Resize", (24,)),
        ("CenterCrop", (20,)),
        ("ToTensor", ()),
        ("Normalize", ([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])),
    ]
    ours = T.Compose([getattr(T, name)(*args) for name, args in steps])
    theirs = tv.Compose([getattr(tv, name)(*args) for name, args in steps])
    # torchvision's Resize on a NumPy image would not run: it takes tensors, so hand it the tensor of the same pixels.
    theirs_on_tensor = tv.Compose(
        [tv.Resize(24), tv.CenterCrop(20), tv.ConvertImageDtype(torch.float32), theirs.transforms[-1]]
    )
    compare(ours(hwc), theirs_on_tensor(torch.from_numpy(IMAGES["uint8"])), exact=True)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("Resize", (16,), {}),
        ("Resize", ([16, 20],), {"antialias": False}),
        ("Resize", (16,), {"max_size": 30, "interpolation": "nearest"}),
        ("CenterCrop", (16,), {}),
        ("CenterCrop", ([16, 20],), {}),
        ("RandomCrop", (16,), {"padding": 4}),
        ("RandomResizedCrop", (16,), {}),
        ("RandomResizedCrop", ([16, 24],), {"scale": (0.5, 1.0), "ratio": (0.5, 2.0)}),
        ("RandomHorizontalFlip", (), {}),
        ("RandomHorizontalFlip", (1,), {}),
        ("RandomVerticalFlip", (0.25,), {}),
        ("ColorJitter", (0.4, 0.3, 0.2, 0.1), {}),
        ("ColorJitter", (), {"brightness": (0.5, 1.0), "hue": (-0.2, 0.3)}),
        ("Normalize", ([0.5, 0.5], [0.1, 0.2]), {}),
        ("ToTensor", (), {}),
    ],
)
def test_reprs_match(name: str, args: tuple, kwargs: dict) -> None:
    theirs_kwargs = dict(kwargs)
    if theirs_kwargs.get("interpolation") == "nearest":
        theirs_kwargs["interpolation"] = tv.InterpolationMode.NEAREST
    assert repr(getattr(T, name)(*args, **kwargs)) == repr(getattr(tv, name)(*args, **theirs_kwargs))


def test_torchvision_interpolation_enum_is_accepted() -> None:
    pixels = IMAGES["uint8"]
    out = T.Resize([9, 9], interpolation=tv.InterpolationMode.NEAREST)(lucid.tensor(pixels))
    compare(out, TVF.resize(torch.from_numpy(pixels), [9, 9], interpolation=TVF.InterpolationMode.NEAREST), exact=True)
