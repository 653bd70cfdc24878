"""Search by meaning in a real browser: the query typed is encoded by the notebook's own
encoder, its nearest points are listed and selected, and its marker is drawn."""

from __future__ import annotations

import numpy as np

from .harness import notebook_fixture

CELLS = [
    "import numpy as np\n"
    "from sklearn.feature_extraction.text import HashingVectorizer\n"
    "from nbprojector import Projector\n"
    "topics = {'refund': 'refund money back return payment order',\n"
    "          'shipping': 'shipping delivery parcel courier package late',\n"
    "          'login': 'login password account reset locked email',\n"
    "          'music': 'guitar piano song concert melody band'}\n"
    "rng = np.random.default_rng(0)\n"
    "texts, topic = [], []\n"
    "for name, words in topics.items():\n"
    "    for _ in range(40):\n"
    "        texts.append(' '.join(rng.choice(words.split(), size=4)))\n"
    "        topic.append(name)\n"
    "hasher = HashingVectorizer(n_features=2**12, alternate_sign=False, norm='l2')\n"
    "matrix = np.random.default_rng(7).normal(size=(2**12, 48)).astype(np.float32)\n"
    "def encode(batch):\n"
    "    return np.asarray(hasher.transform(batch) @ matrix)\n"
    "p = Projector(encode(texts), {'text': texts, 'topic': topic}, label_by='text',\n"
    "              color_by='topic', encoder=encode, height=560)\n"
    "p",
]

nb = notebook_fixture("find.ipynb", CELLS)

MAGENTA = np.array([224, 16, 154])


def magenta_near(pixels: np.ndarray, x: float, y: float, radius: int = 14) -> int:
    """How many pixels within ``radius`` of (x, y) are the marker's magenta."""
    h, w, _ = pixels.shape
    x0, x1 = max(0, int(x) - radius), min(w, int(x) + radius)
    y0, y1 = max(0, int(y) - radius), min(h, int(y) + radius)
    patch = pixels[y0:y1, x0:x1].astype(int)
    return int((np.abs(patch - MAGENTA).sum(axis=2) < 60).sum())


def test_typing_a_query_by_meaning_lists_selects_and_marks_it(nb):
    query = "guitar melody concert"
    expected = nb.py_json(f"p.neighbors(encode([{query!r}])[0], k=100)['index'].tolist()")
    canvas = nb.view.locator("canvas").first
    before = nb.canvas_pixels()

    nb.view.locator("button.nbp-meaning").click()
    assert nb.view.locator("button.nbp-meaning").get_attribute("aria-pressed") == "true"
    nb.view.locator("input.nbp-search").fill(query)
    nb.view.locator(".nbp-search-count", has_text="100 nearest by meaning").wait_for()

    listed = nb.view.locator(".nbp-search-list li").evaluate_all(
        "items => items.map(li => Number(li.dataset.index))"
    )
    assert listed == expected
    # The nearest are the music sentences (points 120..159), with their distances shown.
    assert set(expected[:20]) <= set(range(120, 160))
    distances = nb.view.locator(".nbp-search-list li .nbp-distance").all_inner_texts()
    reference = nb.py_json(f"p.neighbors(encode([{query!r}])[0], k=100)['distance'].tolist()")
    shown = [float(d) for d in distances]  # three significant digits
    np.testing.assert_allclose(shown, reference, rtol=3e-3, atol=1e-6)
    assert nb.eventually("p.selection.tolist()", sorted(expected)) == sorted(expected)

    # The marker: placed by PCA's exact projection, and drawn (magenta pixels where it is).
    assert nb.view.get_attribute("data-query-marker") == "exact projection"
    caption = nb.view.locator(".nbp-search-count").inner_text()
    assert "marker: exact projection (pca)" in caption
    nb.settle()
    after = nb.canvas_pixels()
    x, y = nb.handle("h.queryMarker()")
    box = canvas.bounding_box()
    scale = after.shape[1] / box["width"]
    mx, my = (x - box["x"]) * scale, (y - box["y"]) * scale
    assert magenta_near(after, mx, my, int(14 * scale)) > 20 * scale**2
    assert magenta_near(before, mx, my, int(14 * scale)) == 0
    # Where Python put it: the query's PCA coordinates (numpy's SVD here, each axis's sign
    # matched to the layout's), moved and scaled as the page's points are.
    nb.py(
        "x = p.vectors.astype(np.float64); mean = x.mean(0)\n"
        "axes = np.linalg.svd(x - mean, full_matrices=False)[2][:3]\n"
        "signs = np.sign(((x - mean) @ axes.T * p.coordinates).sum(0))\n"
        f"q = (encode([{query!r}])[0] - mean) @ axes.T * signs\n"
        "lo, hi = p.coordinates.min(0), p.coordinates.max(0)\n"
        "expected_marker = ((q - (lo + hi) / 2) / ((hi - lo).max() / 2)).tolist()"
    )
    placed = nb.py_json("p.find['marker']['position']")
    np.testing.assert_allclose(placed, nb.py_json("expected_marker"), atol=1e-3)

    # Clearing the box drops the marker.
    nb.view.locator("input.nbp-search").fill("")
    nb.wait_for("h.queryMarker() === null")


def test_a_failing_encoder_is_shown_and_no_encoder_disables_the_mode(nb):
    nb.py(
        "def broken(batch):\n"
        "    raise RuntimeError('the model is not loaded')\n"
        "p._finder._encoders['embedding'] = broken"
    )
    meaning = nb.view.locator("button.nbp-meaning")
    if meaning.get_attribute("aria-pressed") != "true":
        meaning.click()
    nb.view.locator("input.nbp-search").fill("refund please")
    error = nb.view.locator(".nbp-search-error")
    error.wait_for()
    assert "the model is not loaded" in error.inner_text()
    assert "'broken'" in error.inner_text()

    nb.py("p.set_trait('encoders', [])")
    nb.page.wait_for_function(
        "() => document.querySelector('[data-under-test] button.nbp-meaning').disabled"
    )
    assert "No encoder for embedding 'embedding'" in meaning.get_attribute("title")
    assert meaning.get_attribute("aria-pressed") == "false"
