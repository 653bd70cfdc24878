"""The draw budget: which points are drawn above ``max_points``, and a Projector over more
points than it draws (per-point traits of the drawn points, point indices everywhere else)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from nbprojector import Projector
from nbprojector.codec import decode_positions
from nbprojector.draw_budget import check_max_points, sample, swap_in

N, BUDGET = 5_000, 1_000


# ------------------------------------------------------------------ the pure module


def test_below_the_budget_everything_is_drawn() -> None:
    assert sample(1_000, 1_000) is None
    assert sample(10, 1_000, np.zeros(10)) is None


def test_uniform_sample_is_deterministic_sorted_and_sized() -> None:
    a, b = sample(N, BUDGET), sample(N, BUDGET)
    assert a is not None and b is not None
    assert len(a) == BUDGET and a.dtype == np.int64
    assert np.array_equal(a, b)
    assert np.all(np.diff(a) > 0) and a[0] >= 0 and a[-1] < N
    # Spread over the whole range, not the first points.
    assert a[-1] > N * 0.9 and a[0] < N * 0.1
    assert not np.array_equal(a, sample(N, BUDGET, seed=1))


def test_stratified_sample_keeps_each_share_and_every_category() -> None:
    strata = np.array(["a"] * 4_000 + ["b"] * 990 + ["c"] * 9 + ["d"])
    drawn = sample(N, BUDGET, strata)
    assert drawn is not None and len(drawn) == BUDGET
    counts = pd.Series(strata[drawn]).value_counts()
    assert set(counts.index) == {"a", "b", "c", "d"}  # the single "d" point is kept
    assert counts["d"] == 1
    assert abs(counts["a"] - 800) <= 2 and abs(counts["b"] - 198) <= 2
    assert np.array_equal(drawn, sample(N, BUDGET, strata))


def test_stratified_sample_with_fewer_slots_than_categories() -> None:
    strata = np.repeat(np.arange(10), [500, 400, 300, 200, 100, 50, 40, 30, 20, 10])
    drawn = sample(len(strata), 3, strata)
    assert drawn is not None and len(drawn) == 3
    assert sorted(strata[drawn]) == [0, 1, 2]  # the largest categories, one each


def test_missing_values_are_a_category_of_their_own() -> None:
    strata = pd.Series(["x"] * 1_990 + [None] * 10)
    drawn = sample(2_000, 100, strata)
    assert drawn is not None and strata.iloc[drawn].isna().sum() >= 1


def test_swap_in_keeps_the_budget_wanted_and_kept_points() -> None:
    drawn = sample(N, BUDGET)
    assert drawn is not None
    wanted = np.setdiff1d(np.arange(N), drawn)[:50]
    keep = drawn[:20]
    out = swap_in(drawn, wanted, BUDGET, keep=keep)
    assert len(out) == BUDGET and np.all(np.diff(out) > 0)
    assert np.isin(wanted, out).all() and np.isin(keep, out).all()
    assert np.array_equal(out, swap_in(drawn, wanted, BUDGET, keep=keep))
    assert np.array_equal(swap_in(drawn, drawn[:5], BUDGET), drawn)  # drawn already
    with pytest.raises(ValueError, match="draw budget of 10"):
        swap_in(drawn[:10], wanted[:11], 10)


@pytest.mark.parametrize("bad", [0, -5, 1.5, "10", True])
def test_max_points_is_checked(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="max_points"):
        check_max_points(bad)


# ------------------------------------------------------------------ the widget


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, dict[str, object]]:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6, size=(5, 16))
    kind = rng.integers(0, 5, N)
    emb = (centres[kind] + rng.normal(size=(N, 16))).astype(np.float32)
    meta = {"word": [f"w{i}" for i in range(N)], "kind": [f"k{k}" for k in kind]}
    return emb, meta


@pytest.fixture
def p(data: tuple[np.ndarray, dict[str, object]]) -> Projector:
    return Projector(*data, max_points=BUDGET)


def u32(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, np.uint32)


def test_per_point_traits_hold_the_drawn_points(p: Projector) -> None:
    assert p.n_points == N and p.max_points == BUDGET
    drawn = p.drawn
    assert len(drawn) == BUDGET and np.array_equal(u32(p._drawn), drawn)
    assert len(decode_positions(p._positions)) == BUDGET
    assert len(p._colors) == BUDGET  # one palette index a point: "kind" is categorical
    p._requests.handle({"id": 1, "kind": "labels", "payload": {}}, [])  # as the page asks
    assert len(np.frombuffer(p._label_offsets, np.uint32)) == BUDGET + 1
    assert p._visible == b""
    # The slots' labels are their points' labels, in drawn order.
    offsets = np.frombuffer(p._label_offsets, np.uint32)
    slot = 7
    assert p._labels[offsets[slot]:offsets[slot + 1]].decode() == f"w{drawn[slot]}"
    # Positions are the layout's, normalised as among all points; all finite.
    positions = decode_positions(p._positions)
    assert np.isfinite(positions).all()
    assert p.coordinates.shape == (N, 3) or p.coordinates.shape == (N, 2)
    assert np.isfinite(p.coordinates).all()  # PCA covers every point


def test_sample_is_stratified_by_the_colour_column(p: Projector, data) -> None:
    assert p.color_by == "kind"
    kinds = pd.Series(data[1]["kind"])
    share_all = kinds.value_counts(normalize=True).sort_index()
    share_drawn = kinds.iloc[p.drawn].value_counts(normalize=True).sort_index()
    assert np.allclose(share_all, share_drawn, atol=0.003)
    q = Projector(*data, max_points=BUDGET, color_by="")  # no colour: uniform, seeded
    assert len(q.drawn) == BUDGET and not np.array_equal(q.drawn, p.drawn)


def test_below_the_budget_nothing_changes(data) -> None:
    q = Projector(*data, max_points=N)
    assert q._drawn == b"" and len(decode_positions(q._positions)) == N
    assert np.array_equal(q.drawn, np.arange(N))


def test_selection_search_and_neighbours_cover_undrawn_points(p: Projector) -> None:
    undrawn = np.setdiff1d(np.arange(N), p.drawn)
    p.selection = undrawn[:3]
    assert np.array_equal(p.selection, undrawn[:3])
    found = p.search(f"^w{undrawn[0]}$", regex=True)
    assert found.tolist() == [undrawn[0]]
    nb = p.neighbors(int(undrawn[0]), k=50)
    assert (~np.isin(nb["index"], p.drawn)).sum() > 0


def request(p: Projector, kind: str, payload: dict, buffers: list[bytes] | None = None):
    sent: list = []
    p._requests._send = lambda content, bufs: sent.append((content, bufs))
    p._requests.handle({"id": 1, "kind": kind, "payload": payload}, buffers or [])
    content, bufs = sent[-1]
    assert content["ok"], content
    json.dumps(content, allow_nan=False)  # strict JSON
    return content["result"], bufs


def test_neighbour_and_search_replies_name_the_undrawn_with_labels(p: Projector) -> None:
    result, bufs = request(p, "neighbors", {"index": int(p.drawn[0]), "k": 100})
    indices = np.frombuffer(bufs[0], np.uint32)
    undrawn = result["undrawn"]
    expected = indices[~np.isin(indices, p.drawn)]
    assert undrawn["indices"] == expected.tolist() and len(expected) > 0
    assert undrawn["labels"] == [f"w{i}" for i in expected]
    result, bufs = request(p, "search", {"query": "w1", "column": "word"})
    listed = np.frombuffer(bufs[0], np.uint32)
    assert result["undrawn"]["indices"] == listed[~np.isin(listed, p.drawn)].tolist()


def test_show_points_swaps_them_in_within_the_budget(p: Projector) -> None:
    p.selection = p.drawn[:5]
    nb = p.neighbors(int(p.drawn[0]), k=100)["index"].to_numpy()
    missing = nb[~np.isin(nb, p.drawn)]
    drawn = p.show_points(nb)
    assert len(drawn) == BUDGET and np.isin(nb, drawn).all()
    assert np.isin(p.selection, drawn).all()  # the selection stays drawn
    assert np.array_equal(u32(p._drawn), drawn) and len(decode_positions(p._positions)) == BUDGET
    # The page's request does the same.
    more = np.setdiff1d(np.arange(N), drawn)[:7].astype(np.uint32)
    result, _ = request(p, "show_points", {}, [more.tobytes()])
    assert result == {"drawn": BUDGET} and np.isin(more, p.drawn).all()
    assert len(missing) > 0


def test_isolating_fewer_than_the_budget_draws_them_all(p: Projector) -> None:
    sample_before = p.drawn
    rows = np.arange(0, N, 10)  # 500 points, most of them not drawn
    p.isolate(rows)
    assert np.array_equal(p.drawn, rows)
    assert len(decode_positions(p._positions)) == len(rows) and len(p._visible) == len(rows)
    p.isolate(np.arange(3_000))  # more than the budget: a sample of them
    assert len(p.drawn) == BUDGET and np.isin(p.drawn, np.arange(3_000)).all()
    p.show_all()
    assert np.array_equal(p.drawn, sample_before) and p._visible == b""


def test_tsne_above_the_budget_fits_the_drawn_points_and_places_the_rest(p: Projector) -> None:
    p.project("tsne", n_iter=250, perplexity=10).wait()
    coords = p.coordinates
    assert np.isfinite(coords).all()  # every point has a place: the undrawn ones transformed
    assert p.projection["fitted"] == BUDGET and p.projection["placed"] == N - BUDGET
    assert np.isfinite(decode_positions(p._positions)).all()
    # Drawing other points needs no new fit: they have coordinates already.
    new = np.setdiff1d(np.arange(N), p.drawn)[:10]
    p.show_points(new)
    positions = decode_positions(p._positions)
    assert np.isfinite(positions).all() and len(positions) == BUDGET
    assert p._visible == b""  # every drawn point is placed, so none is hidden
    np.testing.assert_array_equal(p.coordinates, coords)


def test_bookmarks_keep_the_drawn_set_and_its_coordinates(p: Projector, data, tmp_path) -> None:
    drawn = p.drawn
    coords = p.coordinates[drawn]
    p.add_bookmark("mine")
    p.show_points(np.setdiff1d(np.arange(N), drawn)[:100])
    assert not np.array_equal(p.drawn, drawn)
    p.restore_bookmark("mine")
    assert np.array_equal(p.drawn, drawn)
    assert np.allclose(p.coordinates[drawn], coords, atol=1e-2)
    path = tmp_path / "b.json"
    p.save_bookmarks(path)
    saved = json.loads(path.read_text())["bookmarks"][0]
    assert saved["drawn"]["shape"] == [BUDGET] and saved["coords"]["shape"][0] == BUDGET
    q = Projector(*data, max_points=BUDGET)
    q.show_points(np.setdiff1d(np.arange(N), drawn)[:100])
    q.load_bookmarks(path)
    q.restore_bookmark("mine")
    assert np.array_equal(q.drawn, drawn)


def test_log_dir_and_html_hold_the_drawn_points_and_say_so(p: Projector, tmp_path) -> None:
    with pytest.warns(UserWarning, match="drawn points only, drawing 1,000 of 5,000 points"):
        config = p.to_logdir(tmp_path / "logs")
    tsv = (config.parent / "embedding.tsv") if (config.parent / "embedding.tsv").exists() else None
    written = [f for f in config.parent.rglob("*.tsv") if "metadata" in f.name]
    assert written and len(written[0].read_text().splitlines()) == BUDGET + 1  # + header
    assert tsv is None or len(tsv.read_text().splitlines()) == BUDGET
    p.add_bookmark("kept")
    with pytest.warns(UserWarning, match="drawn points"):
        page = p.to_html(tmp_path / "page.html")
    html = page.read_text()
    assert '"n_points": 1000' in html or '"n_points":1000' in html


def test_below_the_budget_exports_do_not_warn(data, tmp_path) -> None:
    q = Projector(data[0][:300], {"word": data[1]["word"][:300]}, max_points=BUDGET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q.to_html(tmp_path / "page.html")


def test_clusters_above_the_budget_are_of_the_drawn_points(p: Projector) -> None:
    p.project("tsne", n_iter=250, perplexity=10).wait()  # undrawn points have no coordinates
    table = p.cluster("kind")
    assert len(table) >= 2
    names = p.clustering["names"]
    assert names and np.isin([n["anchor"] for n in names], p.drawn).all()
    undrawn = np.setdiff1d(np.arange(N), p.drawn)
    assert (p.metadata["cluster"].iloc[undrawn] == "unclustered").all()


def test_below_the_budget_isolation_keeps_its_visible_mask(data) -> None:
    q = Projector(data[0][:400], {"word": data[1]["word"][:400]}, max_points=BUDGET)
    q.isolate(np.arange(100))
    visible = np.frombuffer(q._visible, np.uint8)
    assert len(visible) == 400 and visible[:100].all() and not visible[100:].any()
    assert q._drawn == b"" and len(decode_positions(q._positions)) == 400
    q.show_all()
    assert q._visible == b""


def test_search_by_meaning_names_the_undrawn_points_found(data) -> None:
    emb, meta = data
    q = Projector(emb, meta, max_points=BUDGET, encoder=lambda texts: emb[:len(texts)] * 1.0)
    found = q.search("anything", by="meaning", k=60)
    undrawn = found[~np.isin(found, q.drawn)]
    assert len(undrawn) > 0
    listed = q.find["undrawn"]
    assert sorted(listed["indices"]) == sorted(undrawn.tolist())
    assert listed["labels"] == [f"w{i}" for i in listed["indices"]]
    json.dumps(q.find, allow_nan=False)


def test_renumber_maps_points_to_their_place_among_the_drawn() -> None:
    from nbprojector.drawn_subset import renumber

    drawn = np.array([1, 5, 9, 20])
    assert renumber(np.array([5, 7, 9, 21, 1]), drawn).tolist() == [1, 2, 0]
    assert renumber(np.array([], np.int64), drawn).tolist() == []


def test_show_points_refuses_indices_out_of_range_and_changes_nothing(p: Projector) -> None:
    drawn = p.drawn
    with pytest.raises(IndexError, match="show_points: point index 5000 is out of range"):
        p.show_points([3, N])
    with pytest.raises(IndexError, match="point index -1"):
        p.show_points([-1])
    assert np.array_equal(p.drawn, drawn)


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["b", None, "a", "b", "c", None] * 500, dtype="string"),
        pd.Series([1.5, np.nan, -0.0, 0.0, 2.0, 1.5] * 500),
        pd.Categorical(["x", "y", None, "z", "y", "x"] * 500, categories=["z", "y", "x"]),
        pd.Series([True, False, False, True, True, False] * 500),
        pd.Series(["t", 3, None, np.nan, "t", 3] * 500, dtype=object),
    ],
    ids=["text", "float", "categorical", "bool", "mixed"],
)
def test_the_view_draws_the_sample_of_its_colour_column(column) -> None:
    """The view hands the sampler the colour column's codes: the points drawn are exactly
    the column's own sample, whatever the column's type and its missing values."""
    n = len(column)
    emb = np.random.default_rng(3).normal(size=(n, 4)).astype(np.float32)
    q = Projector(emb, {"c": column}, color_by="c", max_points=400)
    expected = sample(n, 400, pd.Series(column))
    assert expected is not None and np.array_equal(q.drawn, expected)
    isolated = np.arange(0, n, 2)
    q.isolate(isolated)
    expected = sample(len(isolated), 400, pd.Series(column).iloc[isolated])
    assert expected is not None and np.array_equal(q.drawn, isolated[expected])


def test_integer_strata_draw_the_sample_their_values_draw():
    # Integer codes are counted as they come, not as Python objects: the same sample.
    rng = np.random.default_rng(3)
    for strata in (rng.integers(0, 30, 50_000), rng.integers(-4, 4, 50_000).astype(np.int8),
                   rng.random(50_000) < 0.2):  # fmt: skip
        assert np.array_equal(sample(50_000, 2_000, strata),
                              sample(50_000, 2_000, strata.tolist()))  # fmt: skip
