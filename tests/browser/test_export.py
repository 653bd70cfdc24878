"""The offline HTML export in a real browser: the file opened from disk with every
request that is not for a local file blocked, and no kernel anywhere. It draws the points,
answers a search typed in the search box, shows labels on hover, lists a clicked point's
neighbours (the same as Python's), plays bookmarks back, says when neighbours were left out,
and decodes binary traits that a host hands over as base64 or plain arrays."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from nbprojector import Projector
from nbprojector.codec import decode_positions

from .harness import changed_share
from .test_view import background_share

READY = '#nbprojector .nbprojector[data-ready="1"]'


@pytest.fixture(scope="module")
def projector():
    d = load_digits()
    names = [f"d{i}" for i in range(len(d.target))]
    p = Projector(d.data, {"name": names, "digit": d.target}, label_by="name", color_by="digit")
    p.add_bookmark("pca 3d")
    p.project("pca", components=(1, 2))
    p.color_by = ""
    p.add_bookmark("pca 2d, no colours")
    p.restore_bookmark("pca 3d")
    return p


def open_export(browser, path):
    """Open a file:// page with everything but local files blocked; returns (page, blocked)."""
    page = browser.new_page()
    page.set_default_timeout(60_000)
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.locator(READY).wait_for(state="visible")
    page.errors = errors
    return page, blocked


@pytest.fixture(scope="module")
def exported(projector, browser, tmp_path_factory):
    path = projector.to_html(tmp_path_factory.mktemp("export") / "digits.html")
    page, blocked = open_export(browser, path)
    yield page, blocked
    page.close()


def handle(page, expression, arg=None):
    return page.locator(READY).evaluate(
        f"(el, arg) => {{ const h = el.__nbp; return {expression}; }}", arg
    )


def settle(page):
    page.wait_for_function(
        f"() => {{ const h = document.querySelector('{READY}').__nbp; return !h.transitioning(); }}"
    )
    page.wait_for_timeout(100)


def canvas_pixels(page, root=READY):
    png = page.locator(root).locator("canvas").first.screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def lone_point(page, min_gap=14.0):
    xy = np.array(handle(page, "h.clientPositions()")).reshape(-1, 2)
    for i in range(0, len(xy), 7):
        d = np.hypot(*(xy - xy[i]).T)
        d[i] = np.inf
        if np.isfinite(xy[i]).all() and d.min() > min_gap:
            return i, xy[i]
    raise AssertionError("no isolated point found")


def test_draws_the_points_with_no_network(exported, projector):
    page, blocked = exported
    settle(page)
    assert background_share(canvas_pixels(page)) < 0.995, "the canvas shows no points"
    assert handle(page, "h.count()") == 1797 and handle(page, "h.dims()") == 3
    assert "1,797 points" in page.locator(".nbp-status").inner_text()
    # The layout is the notebook's, point for point.
    drawn = np.array(handle(page, "h.positions()"), dtype=np.float32)
    np.testing.assert_array_equal(drawn, decode_positions(projector._positions).ravel())
    assert blocked == [] and page.errors == []


def test_search_typed_in_the_box(exported, projector):
    page, _ = exported
    page.locator(".nbp-search").fill("D179")  # case is ignored
    expected = int(sum("d179" in n for n in projector.metadata["name"]))  # d179, d1790-d1796
    page.locator(".nbp-search-count", has_text=f"{expected} matches").wait_for()
    assert page.locator(".nbp-search-list li").count() == expected
    assert expected == 8 and page.locator(".nbp-search-list li").first.inner_text() == "d179"
    page.locator(".nbp-status", has_text=f"{expected} selected").wait_for()
    # A bad regular expression gets a message, not a crash.
    page.locator("button.nbp-regex").click()
    page.locator(".nbp-search").fill("d(")
    page.locator(".nbp-search-error", has_text="invalid regular expression").wait_for()
    page.locator("button.nbp-regex").click()  # plain text again: "d(" matches nothing
    page.locator(".nbp-search-count", has_text="0 matches").wait_for()
    page.locator(".nbp-search").fill("")


def test_hover_and_click_list_python_s_neighbours(exported, projector):
    page, _ = exported
    settle(page)
    i, (x, y) = lone_point(page)
    page.mouse.move(x, y)
    page.wait_for_function(f"() => document.querySelector('{READY}').__nbp.hovered() === {i}")
    assert page.locator(".nbp-tooltip").inner_text() == f"d{i}"
    page.mouse.click(x, y)
    page.locator(".nbp-neighbors-list li").nth(99).wait_for()
    shown = [int(v) for v in page.locator(".nbp-neighbors-list li").evaluate_all(
        "items => items.map(li => li.dataset.index)")]  # fmt: skip
    expected = projector.neighbors(i, k=100)
    assert shown == expected["index"].tolist()
    first = page.locator(".nbp-neighbors-list .nbp-distance").first.inner_text()
    assert first.startswith(f"{expected['distance'][0]:.3g}"[:4])
    assert "°" in first  # cosine: the angle too
    assert page.locator(".nbp-card").inner_text().count(f"d{i}") == 1  # the metadata card
    page.locator(".nbp-selection-summary", has_text="101 selected").wait_for()


def test_rotate_and_zoom(exported):
    page, _ = exported
    settle(page)
    start = handle(page, "h.clientPosition(10)")
    box = page.locator(READY).locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 120, cy + 40, steps=8)
    page.mouse.up()
    settle(page)
    moved = handle(page, "h.clientPosition(10)")
    assert np.hypot(moved[0] - start[0], moved[1] - start[1]) > 5
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(300)
    assert handle(page, "h.clientPosition(10)") != moved


def test_bookmark_playback(exported):
    page, _ = exported
    page.locator(".nbp-bookmark-name", has_text="pca 2d").click()
    page.wait_for_function(f"() => document.querySelector('{READY}').__nbp.dims() === 2")
    settle(page)
    flat = canvas_pixels(page)
    assert page.locator(".nbp-legend-row").count() == 0  # that bookmark has no colour-by
    page.locator(".nbp-bookmark-name", has_text="pca 3d").click()
    page.wait_for_function(f"() => document.querySelector('{READY}').__nbp.dims() === 3")
    page.locator(".nbp-legend-row").first.wait_for()
    settle(page)
    assert np.abs(canvas_pixels(page).astype(int) - flat.astype(int)).max(axis=2).mean() > 1
    # Changing bookmarks needs Python: the page says so.
    page.locator(".nbp-bookmark-add").click()
    page.locator(".nbp-message", has_text="not changed").wait_for()


def test_neighbours_beyond_the_size_limit_say_why(projector, browser, tmp_path):
    path = projector.to_html(tmp_path / "small.html", max_neighbor_floats=1000)
    page, blocked = open_export(browser, path)
    try:
        settle(page)
        i, (x, y) = lone_point(page)
        page.mouse.click(x, y)
        message = page.locator(".nbp-message", has_text="not available in this offline export")
        message.wait_for()
        assert "115,008" in message.inner_text() and "1,000" in message.inner_text()
        assert page.locator(".nbp-card dd").first.inner_text() == str(i)  # the card still works
        assert blocked == []
    finally:
        page.close()


# A host that drops binary buffers: every binary trait as a base64 string, the selection as a
# plain array of byte values. The widget's own module (the export's `esm`) renders it.
FALLBACK = """async () => {
  const data = JSON.parse(document.getElementById('nbprojector-data').textContent);
  const state = data.widget.state;
  data.widget.buffer_paths.forEach((path, j) => {
    let t = state; for (const k of path.slice(0, -1)) t = t[k];
    t[path[path.length - 1]] = data.widget.buffers[j];
  });
  state._selection = [3, 0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0];
  const handlers = {};
  const model = {
    get: (k) => state[k], set: (k, v) => { state[k] = v; }, save_changes() {}, send() {},
    on: (e, f) => { (handlers[e] = handlers[e] || []).push(f); }, off() {},
  };
  const url = URL.createObjectURL(new Blob([data.esm], { type: 'text/javascript' }));
  const widget = (await import(url)).default;
  const el = document.createElement('div');
  el.id = 'fallback';
  document.getElementById('nbprojector').replaceWith(el);
  widget.initialize?.({ model });
  widget.render({ model, el });
}"""


def test_binary_traits_as_base64_or_arrays(projector, browser, tmp_path):
    # This host's model answers no request: the labels go in the state, as after a page's ask.
    projector._requests.handle({"id": 0, "kind": "labels", "payload": {}}, [])
    path = projector.to_html(tmp_path / "fallback.html")
    page, _ = open_export(browser, path)
    try:
        page.evaluate(FALLBACK)
        root = '#fallback .nbprojector[data-ready="1"]'
        page.locator(root).wait_for()
        assert page.locator(root).evaluate("el => el.__nbp.count()") == 1797
        page.locator("#fallback .nbp-status", has_text="3 selected").wait_for()
        page.wait_for_timeout(800)
        assert background_share(canvas_pixels(page, root)) < 0.995
        labels = page.locator(root).evaluate("el => el.__nbp.labelsPlaced().map(p => p[0])")
        assert sorted(labels) == [3, 5, 8]  # labels decoded from base64 too
    finally:
        page.close()


def test_images_travel_with_the_export(browser, tmp_path):
    d = load_digits()
    p = Projector(d.data[:300], {"digit": d.target[:300]}, images=d.images[:300] / 16.0)
    page, blocked = open_export(browser, p.to_html(tmp_path / "images.html"))
    try:
        page.wait_for_function(
            f"() => document.querySelector('{READY}').__nbp.images().state === 'drawn'"
        )
        settle(page)
        with_images = canvas_pixels(page)
        assert background_share(with_images) < 0.99
        # Grey digits: the drawn pixels are mostly grey, unlike the coloured dots.
        drawn = with_images.reshape(-1, 3).astype(int)
        drawn = drawn[np.abs(drawn - drawn[0]).max(axis=1) > 30]
        greyish = (drawn.max(axis=1) - drawn.min(axis=1) < 40).mean()
        assert greyish > 0.5, f"only {greyish:.0%} of drawn pixels are grey: images not drawn?"
        assert blocked == []
    finally:
        page.close()


def test_another_colour_map_says_it_needs_python_and_changes_nothing(browser, tmp_path):
    rng = np.random.default_rng(4)
    p = Projector(rng.normal(size=(200, 4)), {"score": rng.uniform(size=200)}, color_by="score")
    p.colormap = "kbc"
    page, _ = open_export(browser, p.to_html(tmp_path / "colormap.html"))
    try:
        menu = page.locator(f"{READY} select.nbp-colormap")
        assert menu.input_value() == "kbc"
        before = canvas_pixels(page, READY)
        menu.select_option("fire")
        page.locator("#nbprojector-notice", has_text="Another colour map needs").wait_for()
        assert "this export's colours use 'kbc'" in page.locator("#nbprojector-notice").inner_text()
        assert menu.input_value() == "kbc"  # the menu goes back: nothing half-applies
        page.wait_for_timeout(300)
        assert changed_share(before, canvas_pixels(page, READY)) == 0
    finally:
        page.close()
