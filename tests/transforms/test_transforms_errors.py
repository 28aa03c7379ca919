"""Bad arguments and images raise ValueError/TypeError naming the transform, the argument and the value; and the
behaviour a user relies on beyond torchvision parity (kinds in and out, gradients through Normalize)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucid
import lucid.transforms as T  # noqa: N812 - short, like torchvision.transforms as T
import lucid.transforms.functional as F  # noqa: N812 - like torchvision.transforms.functional as F

HWC = np.zeros((10, 12, 3), dtype=np.uint8)

# (label, call, exception type, fragments the message must contain)
CASES: list[tuple[str, Callable[[], Any], type[Exception], list[str]]] = [
    (
        "Normalize zero std",
        lambda: T.Normalize([0.5, 0.5, 0.5], [0.2, 0.0, 0.3]),
        ValueError,
        ["Normalize", "std", "0.0", "channel 1"],
    ),
    ("Normalize scalar zero std", lambda: T.Normalize(0.5, 0), ValueError, ["Normalize", "std", "channel 0"]),
    (
        "normalize zero std",
        lambda: F.normalize(lucid.ones(3, 2, 2), [0, 0, 0], [1, 1, 0]),
        ValueError,
        ["normalize", "std", "channel 2"],
    ),
    (
        "normalize int tensor",
        lambda: F.normalize(lucid.tensor(HWC.transpose(2, 0, 1)), 0.5, 0.5),
        TypeError,
        ["normalize", "float", "uint8"],
    ),
    ("normalize 2-d", lambda: F.normalize(lucid.ones(4, 4), 0.5, 0.5), ValueError, ["normalize", "(4, 4)"]),
    (
        "normalize channels",
        lambda: F.normalize(lucid.ones(3, 2, 2), [0.1, 0.2], [1, 1]),
        ValueError,
        ["mean", "2 values", "3 channels"],
    ),
    (
        "RandomCrop too large",
        lambda: T.RandomCrop(20)(HWC),
        ValueError,
        ["RandomCrop", "(20, 20)", "(10, 12)", "pad_if_needed"],
    ),
    ("RandomCrop get_params", lambda: T.RandomCrop.get_params(HWC, (11, 5)), ValueError, ["(11, 5)", "(10, 12)"]),
    (
        "RandomCrop padding",
        lambda: T.RandomCrop(4, padding=[1, 2, 3]),
        ValueError,
        ["RandomCrop", "padding", "[1, 2, 3]"],
    ),
    (
        "RandomCrop padding_mode",
        lambda: T.RandomCrop(4, padding_mode="wrap"),
        ValueError,
        ["RandomCrop", "padding_mode", "'wrap'"],
    ),
    ("RandomCrop size", lambda: T.RandomCrop(0), ValueError, ["RandomCrop", "size", "0"]),
    ("CenterCrop size", lambda: T.CenterCrop([4, 5, 6]), ValueError, ["CenterCrop", "size", "[4, 5, 6]"]),
    ("crop height", lambda: F.crop(HWC, 0, 0, 0, 4), ValueError, ["crop", "height=0"]),
    ("Resize size type", lambda: T.Resize(2.5), TypeError, ["Resize", "size", "float"]),
    ("Resize size zero", lambda: T.Resize(0), ValueError, ["Resize", "size", "0"]),
    ("Resize size length", lambda: T.Resize([1, 2, 3]), ValueError, ["Resize", "[1, 2, 3]"]),
    ("Resize max_size pair", lambda: T.Resize([4, 4], max_size=10), ValueError, ["max_size", "[4, 4]"]),
    ("Resize max_size small", lambda: T.Resize(8, max_size=8), ValueError, ["max_size=8", "size=8"]),
    (
        "Resize interpolation",
        lambda: T.Resize(8, interpolation="lanczos"),
        ValueError,
        ["Resize", "interpolation", "'lanczos'"],
    ),
    (
        "RandomResizedCrop scale",
        lambda: T.RandomResizedCrop(8, scale=(0.0, 1.0)),
        ValueError,
        ["RandomResizedCrop", "scale", "(0.0, 1.0)"],
    ),
    (
        "RandomResizedCrop ratio",
        lambda: T.RandomResizedCrop(8, ratio=0.5),
        TypeError,
        ["RandomResizedCrop", "ratio", "0.5"],
    ),
    ("flip p", lambda: T.RandomHorizontalFlip(p=1.5), ValueError, ["RandomHorizontalFlip", "p=1.5"]),
    ("ColorJitter negative", lambda: T.ColorJitter(brightness=-0.1), ValueError, ["ColorJitter", "brightness=-0.1"]),
    ("ColorJitter hue range", lambda: T.ColorJitter(hue=0.7), ValueError, ["ColorJitter", "hue", "(-0.5, 0.5)"]),
    ("ColorJitter type", lambda: T.ColorJitter(contrast="high"), TypeError, ["ColorJitter", "contrast", "'high'"]),
    ("adjust_hue factor", lambda: F.adjust_hue(HWC, 0.9), ValueError, ["adjust_hue", "0.9", "[-0.5, 0.5]"]),
    ("adjust_brightness negative", lambda: F.adjust_brightness(HWC, -1), ValueError, ["adjust_brightness", "-1"]),
    (
        "colour channels",
        lambda: F.adjust_saturation(np.zeros((4, 4, 4), np.uint8), 0.5),
        ValueError,
        ["adjust_saturation", "1 or 3 channels", "got 4"],
    ),
    (
        "colour 2-d tensor",
        lambda: F.adjust_contrast(lucid.ones(4, 4), 0.5),
        ValueError,
        ["adjust_contrast", "(..., C, H, W)", "(4, 4)"],
    ),
    ("ToTensor tensor", lambda: T.ToTensor()(lucid.ones(3, 2, 2)), TypeError, ["to_tensor", "NumPy", "Tensor"]),
    ("ToTensor ndim", lambda: T.ToTensor()(np.zeros((1, 2, 3, 4))), ValueError, ["to_tensor", "(1, 2, 3, 4)"]),
    ("image type", lambda: T.Resize(4)([[1, 2], [3, 4]]), TypeError, ["resize", "list"]),
    ("numpy 4-d", lambda: F.hflip(np.zeros((2, 3, 4, 5))), ValueError, ["hflip", "(2, 3, 4, 5)", "(H, W, C)"]),
    ("pad mode", lambda: F.pad(HWC, 1, padding_mode="wrap"), ValueError, ["pad", "padding_mode", "'wrap'"]),
    ("pad negative", lambda: F.pad(HWC, -1), ValueError, ["pad", "non-negative", "-1"]),
    ("Compose item", lambda: T.Compose([T.ToTensor(), 3]), TypeError, ["Compose", "transform 1", "int"]),
]


@pytest.mark.parametrize(("label", "call", "kind", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_errors_name_the_argument_and_value(label: str, call: Callable, kind: type, fragments: list[str]) -> None:
    with pytest.raises(kind) as caught:
        call()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_center_crop_pads_a_small_image_as_torchvision_does() -> None:
    # torchvision pads rather than refuses: a 4x4 crop of a 2x2 image is the image framed by zeros.
    out = T.CenterCrop(4)(np.ones((2, 2), dtype=np.uint8))
    np.testing.assert_array_equal(out, np.pad(np.ones((2, 2), dtype=np.uint8), 1))


def test_kinds_in_and_out() -> None:
    tensor_out = T.Resize(5)(lucid.rand(3, 10, 12))
    assert isinstance(tensor_out, lucid.Tensor) and tensor_out.shape == (3, 5, 6)
    numpy_out = T.Resize(5)(HWC)
    assert isinstance(numpy_out, np.ndarray) and numpy_out.shape == (5, 6, 3) and numpy_out.dtype == np.uint8
    assert numpy_out.flags["C_CONTIGUOUS"]
    # a transform never writes into the image it was given
    source = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    kept = source.copy()
    for transform in (T.RandomHorizontalFlip(1.0), T.CenterCrop(2), T.RandomCrop(2), T.ColorJitter(0.5, 0.5, 0.5, 0.2)):
        transform(source)
    np.testing.assert_array_equal(source, kept)


def test_normalize_is_differentiable_on_tensors() -> None:
    x = lucid.rand(3, 4, 4, requires_grad=True)
    T.Normalize([0.1, 0.2, 0.3], [0.5, 0.25, 2.0])(x).sum().backward()
    expected = np.broadcast_to(np.array([2.0, 4.0, 0.5], dtype=np.float32)[:, None, None], (3, 4, 4))
    np.testing.assert_allclose(x.grad, expected)


def test_normalize_inplace_and_numpy_images() -> None:
    x = lucid.ones(2, 1, 1)
    out = F.normalize(x, [0.5, 0.0], [0.5, 2.0], inplace=True)
    assert out is x and x.numpy().ravel().tolist() == [1.0, 0.5]
    hwc = np.ones((2, 2, 2), dtype=np.float32)
    np.testing.assert_allclose(T.Normalize([0.5, 0.0], [0.5, 2.0])(hwc)[0, 0], [1.0, 0.5])


def test_to_tensor_scales_uint8_and_moves_channels_first() -> None:
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    out = T.ToTensor()(pixels)
    assert out.shape == (3, 2, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), pixels.transpose(2, 0, 1) / 255, rtol=1e-6)


def test_messages_are_one_line() -> None:
    with pytest.raises(ValueError) as caught:
        T.RandomCrop(20)(HWC)
    assert not re.search(r"\n", str(caught.value))
