"""nbprojector's benchmark: compute, transport, projections, browser, image, trust and bad-input
timings.

    python bench/bench.py [--quick]
        [--only compute|transport|projections|browser|images|trust|find|bad_input|side_by_side]

Prints one Markdown table and writes it to bench/results/latest.md (git-ignored). See README.md here
for what each row measures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: siblings import

from common import Row, first_line, fmt_time

SECTIONS = (
    "compute", "transport", "projections", "browser", "images", "trust", "find", "bad_input",
    "side_by_side",
)
RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            return f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads)"
    except ImportError:
        pass
    return "unknown BLAS"


def chromium_version() -> str:
    path = os.environ.get("NBPROJECTOR_CHROMIUM", "/usr/bin/chromium")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return f"not found at {path}"


def machine_row() -> Row:
    import numpy

    import nbprojector

    cores = os.cpu_count()
    software = (
        f"{cpu_model()}; Python {platform.python_version()}, numpy {numpy.__version__} "
        f"with {blas()}, nbprojector {nbprojector.__version__}; {chromium_version()}"
    )
    return Row("machine", f"{cores} cores, {ram_gib():.1f} GiB RAM", "-", software)


def table(rows: list[Row]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| what | size | time | notes |", "|---|---|---|---|"]
    lines += [
        f"| {cell(r.what)} | {cell(r.size)} | {cell(r.time)} | {cell(r.notes)} |" for r in rows
    ]
    return "\n".join(lines)


def run_section(name: str, quick: bool) -> tuple[list[Row], bool]:
    """Import and run one section; a failure becomes a row (and a traceback on stderr)."""
    start = time.perf_counter()
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    try:
        module = __import__(name)
        rows = module.run(quick)
        ok = all(row.time != "failed" for row in rows)
    except Exception as err:  # one broken section must not hide the others' numbers
        traceback.print_exc()
        rows, ok = [Row(f"{name} section", "-", "failed", first_line(err))], False
    print(
        f"[bench] {name} done in {fmt_time(time.perf_counter() - start)}",
        file=sys.stderr,
        flush=True,
    )
    return rows, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 5 minutes)")
    parser.add_argument("--only", choices=SECTIONS, help="run one section")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    rows, all_ok = [machine_row()], True
    for name in [args.only] if args.only else SECTIONS:
        section_rows, ok = run_section(name, args.quick)
        rows += section_rows
        all_ok &= ok
    elapsed = time.perf_counter() - start

    command = (
        "python bench/bench.py"
        + (" --quick" if args.quick else "")
        + (f" --only {args.only}" if args.only else "")
    )
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = (
        f"{table(rows)}\n\n`{command}` on {stamp}, {fmt_time(elapsed)} in all; "
        f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(above ~0.5 before, something else was running and timings suffer).\n"
    )
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"[bench] written to {RESULTS}", file=sys.stderr)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
