"""The page's hand-written modules stay small: one past ~500 lines is split into modules with
one job each (the generated protocol types are exempt)."""

from __future__ import annotations

from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js" / "src"
MAX_LINES = 500
GENERATED = {"protocolTypes.ts"}


def test_no_page_module_is_past_the_line_limit():
    long = {
        path.relative_to(JS).as_posix(): n
        for path in sorted(JS.rglob("*.ts"))
        if path.name not in GENERATED
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules (lines over {MAX_LINES}): {long}"
