"""Every lucid.nn layer is drawn in a family colour of its own kind, whatever file it lives in."""

from __future__ import annotations

from lucid import nn
from viz.module_tree import family_of
from viz.render.palette import FAMILY_COLOURS


def test_every_layer_class_has_a_named_family_colour() -> None:
    uncoloured = {
        name: family_of(getattr(nn, name))
        for name in nn.layers.__all__
        if family_of(getattr(nn, name)) not in FAMILY_COLOURS or family_of(getattr(nn, name)) == "other"
    }
    assert not uncoloured, f"layers whose family has no colour in viz/render/palette.py: {uncoloured}"


def test_split_files_keep_their_family_and_parameter_containers_are_containers() -> None:
    assert family_of(nn.TransformerEncoderLayer) == family_of(nn.TransformerEncoder) == "transformer"
    assert family_of(nn.LSTMCell) == family_of(nn.LSTM) == "recurrent"
    assert family_of(nn.ParameterList) == family_of(nn.ModuleList) == "container"
