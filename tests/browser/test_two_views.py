"""Two views of one widget side by side, and malformed requests from the page."""

from __future__ import annotations

import json

import pytest

from .harness import READY, close_notebook, open_notebook

CELLS = [
    "import numpy as np\n"
    "from nbprojector import Projector\n"
    "rng = np.random.default_rng(0)\n"
    "p = Projector(rng.normal(size=(300, 8)), {'word': [f'w{i}' for i in range(300)]},\n"
    "              height=420)\n"
    "p",
    "p",  # the same widget, a second view
]


@pytest.fixture(scope="module")
def nb(server, browser):
    server.write_notebook("two_views.ipynb", CELLS)
    notebook = open_notebook(browser, server, "two_views.ipynb")
    notebook.page.locator(READY).nth(1).wait_for()
    yield notebook
    close_notebook(notebook)


def test_both_views_draw_and_follow_python(nb):
    assert nb.page.locator(READY).count() == 2
    for index in (0, 1):
        assert nb.handle("h.count()", index=index) == 300
    nb.py("p.selection = [1, 2, 3]")
    for index in (0, 1):
        nb.page.locator(READY).nth(index).locator(".nbp-status", has_text="3 selected").wait_for()


def test_a_request_from_the_second_view_is_answered_there_only(nb):
    reply = nb.handle("h.request('row', {index: 7})", index=1)
    assert reply == {"ok": True, "result": {"index": 7, "row": {"word": "w7"}}}
    # The first view's requests keep working too (one listener per model, ids per page).
    assert nb.handle("h.request('row', {index: 8})", index=0)["result"]["row"] == {"word": "w8"}


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("bogus", {}, "unknown request kind 'bogus'"),
        ("row", [1, 2], "must be an object"),
        ("row", {"index": "seven"}, "'index' must be an integer"),
        ("project", {"method": "pca", "params": {"components": [1, 99]}}, "out of range"),
        ("search", {"query": "([", "regex": True}, "invalid regular expression"),
    ],
)
def test_malformed_requests_get_clear_errors_and_the_widget_still_works(nb, kind, payload,
                                                                        message):  # fmt: skip
    reply = nb.handle("h.request(arg[0], arg[1])", [kind, payload])
    assert reply["ok"] is False and message in reply["error"]
    assert nb.handle("h.request('row', {index: 0})")["ok"] is True
    assert json.loads(nb.py("print(p.n_points)")) == 300
