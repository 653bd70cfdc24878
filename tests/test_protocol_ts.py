"""The page's protocol types are generated from protocol.py: the two cannot drift apart."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "protocol_ts.py"
COMMITTED = ROOT / "js" / "src" / "protocolTypes.ts"


def generated(*args: str) -> str:
    done = subprocess.run([sys.executable, str(GENERATOR), "--stdout", *args],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def test_the_committed_typescript_is_what_protocol_py_generates():
    assert COMMITTED.read_text(encoding="utf-8") == generated(), (
        "js/src/protocolTypes.ts differs from src/nbprojector/protocol.py: "
        "run `python scripts/protocol_ts.py`, then `cd js && npx tsc --noEmit`"
    )


def test_every_kind_payload_field_and_result_reaches_typescript():
    text = generated()
    for line in (
        'export const KINDS = ["project", "cancel", "pause", "resume", "row", "labels", "count", '
        '"search", "neighbors", "isolate", "show_points", "bookmark", "snapshot", "atlas", '
        '"fidelity_point", '
        '"find", "cluster", "annotate", "edit"] as const;',
        "  neighbors: NeighborsPayload;",
        "  neighbors: NeighborsResult;",
        "  spherize?: boolean | null;",
        "  index: number;",
        '  space: "original" | "spherized";',
        "export type ProjectPayload = PcaProject | TsneProject | UmapProject | CustomProject;",
        '  learning_rate?: number | "auto";',
        "export type Command = SnapshotCommand;",
        '  neighbors: [{"name": "indices", "dtype": "uint32", "optional": false}, '
        '{"name": "distances", "dtype": "float32", "optional": false}, '
        '{"name": "angles", "dtype": "float32", "optional": true}],',
        "export type MethodsTrait = Record<string, MethodInfo>;",
    ):
        assert line + "\n" in text, line
