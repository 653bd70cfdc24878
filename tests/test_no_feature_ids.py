"""The code, its tests and its docs explain themselves: no feature IDs ("D4", "SPEC I2") and
no references to documents that are not in the repository. One pattern for the Python
package, its tests, the docs, the front end and the bench."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"\b(?:SPEC|DESIGN|TESTING\.md)\b|\([A-Z]\d{1,2}(?:[-, ]+[A-Z]?\d{1,2})*\)")
#: This file spells citations out on purpose, to test the pattern.
PATTERN_TEST = Path(__file__).name


def sources() -> list[Path]:
    package = list((ROOT / "src" / "nbprojector").rglob("*.py"))
    tests = [p for p in (ROOT / "tests").rglob("*.py") if p.name != PATTERN_TEST]
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    js = [p for p in (ROOT / "js" / "src").rglob("*") if p.suffix in {".ts", ".css"}]
    bench = [p for p in (ROOT / "bench").iterdir() if p.suffix in {".py", ".md"}]
    return sorted(package + tests + docs + js + bench + [ROOT / "js" / "build.mjs"])


def test_the_pattern_finds_citations():
    for text in ("(SPEC D6)", "see DESIGN.md", "labels (V2)", "(I1-I6, V2)", "TESTING.md",
                 "(I2, D4)"):  # fmt: skip
        assert CITATION.search(text), text
    for text in ("a 2D view", "float32 (N, 3)", "(N, h, w, 4)", "uint8 (0-255)", "H x W"):
        assert not CITATION.search(text), text


def test_no_feature_ids_in_the_code_tests_docs_front_end_or_bench():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITATION.search(line)
    ]
    assert len(sources()) > 100
    assert not found, "\n".join(found)
