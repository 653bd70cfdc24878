"""The offline page of a widget above the draw budget: it holds the drawn points only,
renumbered in order, and works as any export (points drawn, search, neighbours, bookmarks
of the drawn set)."""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from nbprojector import Projector

from .test_export import READY, open_export
from .test_view import background_share

N, BUDGET = 6_000, 1_500


def test_export_above_the_budget_draws_the_drawn_points(browser, tmp_path):
    rng = np.random.default_rng(1)
    kind = rng.integers(0, 4, N)
    emb = (rng.normal(scale=4, size=(4, 8))[kind] + rng.normal(size=(N, 8))).astype(np.float32)
    p = Projector(emb, {"word": [f"w{i}" for i in range(N)], "kind": kind.astype(str)},
                  max_points=BUDGET)  # fmt: skip
    drawn = p.drawn
    p.selection = drawn[:3]
    p.add_bookmark("drawn set")
    with pytest.warns(UserWarning, match=f"drawing {BUDGET:,} of {N:,} points"):
        path = p.to_html(tmp_path / "budget.html")
    page, blocked = open_export(browser, path)
    try:
        view = page.locator(READY)
        assert view.evaluate("el => el.__nbp.count()") == BUDGET
        assert view.evaluate("el => el.__nbp.drawn()") is None  # every exported point drawn
        status = view.locator(".nbp-status").inner_text()
        assert f"{BUDGET:,} points" in status and "3 selected" in status
        png = view.locator("canvas").first.screenshot()
        pixels = np.asarray(Image.open(BytesIO(png)).convert("RGB"))
        assert background_share(pixels) < 0.995
        # Point k of the page is the k-th drawn point: its label says so (the smallest
        # index whose label starts with it is that point itself).
        box = view.locator("input.nbp-search")
        box.fill(f"w{drawn[10]}")
        box.press("Enter")
        item = view.locator(".nbp-search-list li").first
        item.wait_for()
        assert item.get_attribute("data-index") == "10"
        assert view.locator(".nbp-bookmark-name, .nbp-bookmarks li").count() >= 1
        assert not page.errors and not blocked
    finally:
        page.close()
