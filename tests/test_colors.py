"""Colours from colorcet: Glasbey categories in one byte a point, named continuous maps,
``p.colormap`` and the legends that match."""

from __future__ import annotations

import colorcet as cc
import numpy as np
import pandas as pd
import pytest
import traitlets as t

from nbprojector import Projector
from nbprojector.colors import (
    DEFAULT_COLORMAP,
    ColormapError,
    color_points,
    color_scale,
    colormap_lut,
    colormap_menu,
    hex_to_rgb,
)


def test_categories_use_colorcets_glasbey_palette_in_rank_order():
    coloring = color_points(pd.Series(["a", "b", "b", "c", "c", "c"]))
    expected = [hex_to_rgb(c) for c in cc.palette["glasbey_bw_minc_20"][:3]]
    assert np.frombuffer(coloring.traits["_palette"], np.uint8).reshape(-1, 3).tolist() == [
        list(c) for c in expected
    ]
    assert coloring.traits["_colors"] == bytes([2, 1, 1, 0, 0, 0])  # "c" is the most common


def test_numbers_go_through_the_named_map_and_the_legend_is_drawn_from_it():
    values = np.linspace(0.0, 1.0, 256)
    for name in ("fire", "kbc", DEFAULT_COLORMAP):
        coloring = color_scale(values, None, name)
        lut = colormap_lut(name)
        assert np.array_equal(coloring.per_point(), lut)  # 256 values: every colour once
        assert coloring.legend["colormap"] == name
        assert coloring.legend["stops"][0] == cc.palette[name][0]
        assert coloring.legend["stops"][-1] == cc.palette[name][-1]


def test_an_unknown_map_is_a_clear_error_that_names_some():
    with pytest.raises(ColormapError, match=r"unknown colour map 'nope'.*bgy, bmy, kbc, fire"):
        colormap_lut("nope")
    with pytest.raises(ColormapError, match="unknown colour map 'glasbey'"):
        colormap_lut("glasbey")  # categorical, not a map


def test_matplotlib_maps_when_matplotlib_is_installed():
    pytest.importorskip("matplotlib")
    lut = colormap_lut("magma")
    assert lut.shape == (256, 3) and tuple(lut[0]) == (0, 0, 4) and "magma" in colormap_menu()


@pytest.fixture
def p():
    rng = np.random.default_rng(0)
    n = 300
    return Projector(
        rng.normal(size=(n, 5)).astype(np.float32),
        {"score": rng.uniform(size=n), "word": [f"w{i % 40}" for i in range(n)]},
        color_by="score",
    )


def test_p_colormap_recolours_numbers_and_refuses_unknown_names(p):
    assert p.colormap == DEFAULT_COLORMAP and "fire" in p.colormaps
    before = p._colors
    p.colormap = "fire"
    assert p._colors != before and p.legend["colormap"] == "fire"
    assert len(p._colors) == 300 * 3 and p._palette == b""  # a continuous map: RGB
    with pytest.raises(t.TraitError, match="unknown colour map 'viridiss'"):
        p.colormap = "viridiss"
    assert p.colormap == "fire" and p.legend["colormap"] == "fire"  # nothing changed
    p.color_by = "word"
    assert len(p._colors) == 300 and len(p._palette) == 40 * 3  # categories: one byte


def test_computed_scores_follow_the_colormap(p):
    p.color_by = ":neighbour change"  # grey until a comparison: every point missing
    assert p.legend["colormap"] == DEFAULT_COLORMAP
    p.colormap = "kbc"
    assert p.legend["colormap"] == "kbc" and p.legend["column"] == ":neighbour change"


def test_bookmarks_keep_the_colour_map(p, tmp_path):
    p.colormap = "fire"
    p.add_bookmark("fire")
    p.colormap = "kbc"
    p.restore_bookmark("fire")
    assert p.colormap == "fire" and p.legend["colormap"] == "fire"
    p.save_bookmarks(tmp_path / "b.json")
    assert '"colormap":"fire"' in (tmp_path / "b.json").read_text()
    p.colormap = "kbc"
    p.load_bookmarks(tmp_path / "b.json")
    p.restore_bookmark("fire")
    assert p.colormap == "fire"
