"""The Python package, its tests and its docs explain themselves: no feature IDs ("D4",
"SPEC I2") and no documents that are not in the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"\b(?:SPEC|DESIGN|TESTING\.md)\b|\([A-Z]\d{1,2}(?:[-, ]+[A-Z]?\d{1,2})*\)")
#: Files that spell citations out on purpose, to test the patterns.
PATTERN_TESTS = {"test_no_feature_ids.py", "test_python_cites_no_ids.py"}


def sources() -> list[Path]:
    package = [p for p in (ROOT / "src" / "nbprojector").rglob("*.py")]
    tests = [p for p in (ROOT / "tests").rglob("*.py") if p.name not in PATTERN_TESTS]
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    return sorted(package + tests + docs)


def test_the_pattern_finds_citations():
    for text in ("(SPEC D6)", "see DESIGN.md", "labels (V2)", "(I1-I6, V2)", "TESTING.md"):
        assert CITATION.search(text), text
    for text in ("a 2D view", "float32 (N, 3)", "(N, h, w, 4)", "uint8 (0-255)"):
        assert not CITATION.search(text), text


def test_no_feature_ids_in_the_package_tests_or_docs():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITATION.search(line)
    ]
    assert len(sources()) > 60
    assert not found, "\n".join(found)
