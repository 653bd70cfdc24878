"""The words of the widget's status lines, written as a person would say them.

One place for method names, counts with their plural ("1 match", "12 matches") and the lines
a projection shows while it runs and when it ends ("iteration 340 / 750", "t-SNE done, 750
iterations", "custom projection done").
"""

from __future__ import annotations

METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP", "custom": "custom projection"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word in the right number: "1 match", "12 matches", "10,000 points"."""
    return f"{n:,} {word if n == 1 else (many or _plural_of(word))}"


def _plural_of(word: str) -> str:
    return word + ("es" if word.endswith(("tch", "sh", "s", "x")) else "s")  # epochs, matches


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def step_name(method: str) -> str:
    """What one step of a method's optimisation is called."""
    return "epoch" if method == "umap" else "iteration"


def step_line(method: str, done: int, total: int | None = None) -> str:
    """"iteration 340 / 750" (or "epoch 120" when the total is unknown)."""
    line = f"{step_name(method)} {done:,}"
    return f"{line} / {total:,}" if total else line


def starting_line(method: str) -> str:
    return f"starting {method_name(method)}"


def done_line(method: str, steps: int | None = None) -> str:
    """"t-SNE done, 750 iterations", "custom projection done"."""
    line = f"{method_name(method)} done"
    return f"{line}, {plural(steps, step_name(method))}" if steps else line


def stopped_line(method: str, at: int | None) -> str:
    """"t-SNE stopped at iteration 340" (Stop keeps the layout reached)."""
    if at is None:
        return f"{method_name(method)} stopped"
    return f"{method_name(method)} stopped at {step_line(method, at)}"


def cancelled_line(method: str) -> str:
    return f"{method_name(method)} cancelled"


def failed_line(method: str) -> str:
    return f"{method_name(method)} failed"


def drawing_line(drawn: int, total: int) -> str:
    """"drawing 1,000,000 of 20,000,000 points" (the draw budget's sample)."""
    return f"drawing {drawn:,} of {plural(total, 'point')}"
