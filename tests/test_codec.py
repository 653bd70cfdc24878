"""Positions on the wire: uint16 per axis, and how far a decoded point may be from its place."""

from __future__ import annotations

import numpy as np
import pytest

from nbprojector import Projector
from nbprojector.codec import HEADER_BYTES, LEVELS, decode_positions, encode_positions
from nbprojector.layout import normalize_positions


def test_the_quantisation_error_is_at_most_one_65535th_of_each_axis_extent():
    """The stated bound: every decoded coordinate is within extent / 65535 of the encoded
    one on its axis (the rounding gives half of that; float32 adds far less)."""
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(20_000, 3)) * [5.0, 1.0, 0.01]  # three very different extents
    placed = normalize_positions(coords)
    decoded = decode_positions(encode_positions(placed, 3))
    extent = placed.max(axis=0).astype(np.float64) - placed.min(axis=0)
    error = np.abs(decoded.astype(np.float64) - placed).max(axis=0)
    assert (error <= extent / LEVELS).all(), (error, extent / LEVELS)
    rounding = np.spacing(np.float32(np.abs(placed).max()))  # float32's, on the page too
    assert (error <= extent / (2 * LEVELS) + rounding).all()  # rounding: half a step
    assert error.max() > 0  # quantised, not sent as floats


def test_only_the_layouts_axes_travel_two_bytes_each():
    placed = normalize_positions(np.random.default_rng(1).normal(size=(1000, 2)))
    encoded = encode_positions(placed, 2)
    assert len(encoded) == HEADER_BYTES + 1000 * 2 * 2
    decoded = decode_positions(encoded)
    assert decoded.shape == (1000, 3) and np.all(decoded[:, 2] == 0)
    assert len(encode_positions(normalize_positions(np.ones((5, 3))), 3)) == HEADER_BYTES + 30


def test_ends_of_each_axis_are_exact_and_a_flat_axis_stays_flat():
    placed = np.array([[-1.0, 0.5, 0.0], [1.0, 0.5, 0.0], [0.25, 0.5, 0.0]], np.float32)
    decoded = decode_positions(encode_positions(placed, 3))
    assert decoded[0, 0] == -1.0 and decoded[1, 0] == 1.0
    assert np.all(decoded[:, 1] == 0.5) and np.all(decoded[:, 2] == 0.0)


def test_hidden_points_do_not_coarsen_the_shown_ones():
    placed = np.zeros((4, 3))
    placed[:2] = [[-1, -1, -1], [1, 1, 1]]
    placed[2] = [0.123456, -0.5, 0.75]
    placed[3] = [400.0, -300.0, 9.0]  # hidden, far away
    rows = np.array([0, 1, 2])
    decoded = decode_positions(encode_positions(placed, 3, rows))
    assert np.abs(decoded[rows] - placed[rows]).max() <= 2 / (2 * LEVELS) + 2.4e-7
    assert np.all(np.abs(decoded[3]) <= 1)  # clamped into the shown points' box, finite


def test_refuses_what_is_not_a_positions_buffer():
    with pytest.raises(ValueError, match="NPQ1"):
        decode_positions(np.zeros(9, np.float32).tobytes())
    with pytest.raises(ValueError, match="finite"):
        encode_positions(np.array([[0.0, np.nan, 0.0]]), 3)


def test_the_widget_sends_quantised_frames_and_keeps_full_precision_coordinates():
    rng = np.random.default_rng(2)
    p = Projector(rng.normal(size=(300, 8)).astype(np.float32))
    frames: list[bytes] = []
    p.observe(lambda change: frames.append(change["new"]), names="_positions")
    p.project("tsne", n_iter=250, perplexity=10).wait(timeout=120)
    assert len(frames) >= 2  # the running frames and the finished layout
    for frame in frames:
        assert frame[:4] == b"NPQ1" and len(frame) == HEADER_BYTES + 300 * 2 * 2
    # Python keeps what t-SNE computed, not the quantised positions.
    assert p.coordinates.dtype == np.float32 and p.coordinates.shape == (300, 2)
    shown = normalize_positions(p.coordinates)
    assert not np.array_equal(decode_positions(frames[-1]), shown)
    np.testing.assert_allclose(decode_positions(frames[-1]), shown, atol=2 / LEVELS)
