"""The front end and the bench explain themselves: no references to feature IDs ("D4",
"SPEC I2") or to documents that are not in the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"\b(?:SPEC|DESIGN)\b|\([A-Z]\d{1,2}(?:, [A-Z]\d{1,2})*\)")


def sources() -> list[Path]:
    js = [p for p in (ROOT / "js" / "src").rglob("*") if p.suffix in {".ts", ".css"}]
    bench = [p for p in (ROOT / "bench").iterdir() if p.suffix in {".py", ".md"}]
    return sorted(js + bench + [ROOT / "js" / "build.mjs"])


def test_the_pattern_finds_citations():
    for text in ("(SPEC D6)", "see DESIGN.md", "labels (V2)", "(I2, D4)"):
        assert CITATION.search(text), text
    for text in ("a 2D view", "float32 (N, 3)", "H x W", "uint8 (0-255)"):
        assert not CITATION.search(text), text


def test_no_feature_ids_in_the_front_end_or_the_bench():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITATION.search(line)
    ]
    assert len(sources()) > 30
    assert not found, "\n".join(found)
