"""Write the page's protocol types (js/src/protocolTypes.ts) from src/nbprojector/protocol.py
(the request table), protocol_types.py (the messages) and trait_types.py (the JSON traits).

    python scripts/protocol_ts.py           # rewrite js/src/protocolTypes.ts
    python scripts/protocol_ts.py --stdout  # print what it would write

Python's TypedDicts become TypeScript interfaces (NotRequired fields optional), its Literal and
Union aliases become named types, and the request table becomes `KINDS`, `Payloads`, `Results`
and the buffer lists. tests/test_protocol_ts.py fails when the committed file differs from
this output, so neither side can change alone.
"""

import argparse
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Union

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "js" / "src" / "protocolTypes.ts"
sys.path.insert(0, str(ROOT / "src"))

from nbprojector import protocol, protocol_types, trait_types  # noqa: E402

#: The modules whose types the page gets, in this order.
MODULES = (protocol_types, trait_types)

HEADER = """\
// The page <-> Python protocol's types, generated from src/nbprojector/protocol.py,
// protocol_types.py and trait_types.py by scripts/protocol_ts.py: do not edit; change those
// and run it again.
"""

PRIMITIVES = {str: "string", int: "number", float: "number", bool: "boolean",
              type(None): "null", None: "null"}  # fmt: skip


class Writer:
    """Collects the declarations a set of types needs, each once, in first-use order."""

    def __init__(self) -> None:
        # Module-level aliases (Method = Literal[...], ProjectPayload = Union[...]) keep their
        # names in TypeScript; everything else is written out where it is used.
        self.aliases = [
            (value, name)
            for module in MODULES
            for name, value in vars(module).items()
            if typing.get_origin(value) in (Literal, Union, types.UnionType, dict)
            and not name.startswith("_")
        ]
        self.declared: dict[str, str] = {}

    def ts(self, tp: Any) -> str:
        for value, name in self.aliases:
            if tp == value:
                self.declare_alias(name, value)
                return name
        origin = typing.get_origin(tp)
        if tp in PRIMITIVES:
            return PRIMITIVES[tp]
        if tp is Any:
            return "unknown"
        if origin is Literal:
            return " | ".join(json.dumps(a) for a in typing.get_args(tp))
        if origin in (Union, types.UnionType):
            return _union(self.ts(m) for m in typing.get_args(tp))
        if origin is list:
            (item,) = typing.get_args(tp)
            inner = self.ts(item)
            return f"{inner}[]" if inner.isidentifier() else f"({inner})[]"
        if origin is dict:
            _, value = typing.get_args(tp)
            return f"Record<string, {self.ts(value)}>"
        if isinstance(tp, type) and hasattr(tp, "__required_keys__"):
            self.declare_interface(tp)
            return tp.__name__
        raise TypeError(f"no TypeScript for {tp!r}")

    def declare_alias(self, name: str, value: Any) -> None:
        if name in self.declared:
            return
        self.declared[name] = ""  # reserve the place before the members are declared
        origin = typing.get_origin(value)
        members = typing.get_args(value)
        if origin is dict:
            body = f"Record<string, {self.ts(members[1])}>"
        elif origin is Literal:
            body = " | ".join(json.dumps(a) for a in members)
        else:
            body = _union(self.ts(m) for m in members)
        self.declared[name] = f"export type {name} = {body};\n"

    def declare_interface(self, tp: Any) -> None:
        name = tp.__name__
        if name in self.declared:
            return
        self.declared[name] = ""
        hints = typing.get_type_hints(tp)
        lines = [_doc(tp.__doc__)] if tp.__doc__ else []
        notes = _field_notes(tp)
        if not hints:
            self.declared[name] = "".join(lines) + f"export type {name} = Record<string, never>;\n"
            return
        lines.append(f"export interface {name} {{\n")
        for key, field_type in hints.items():
            optional = "" if key in tp.__required_keys__ else "?"
            if key in notes:
                lines.append("  " + _doc(notes[key]).replace("\n", "\n  ", notes[key].count("\n")))
            lines.append(f"  {key}{optional}: {self.ts(field_type)};\n")
        lines.append("}\n")
        self.declared[name] = "".join(lines)


def _union(members: Iterable[str]) -> str:
    return " | ".join(dict.fromkeys(members))  # int and float are both number


def _field_notes(tp: Any) -> dict[str, str]:
    """The ``#:`` comments above a TypedDict's fields in its source, by field."""
    notes: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(tp).splitlines()[1:]:
        text = line.strip()
        if text.startswith("#:"):
            pending.append(text[2:].strip())
        elif re.match(r"^\w+:", text) and pending:
            notes[text.split(":")[0]] = "\n".join(pending)
            pending = []
        else:
            pending = []
    return notes


def _doc(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return "/** " + "\n * ".join(lines) + " */\n"


def _buffers(buffers: tuple[protocol.Buffer, ...]) -> str:
    items = [json.dumps({"name": b.name, "dtype": b.dtype, "optional": b.optional},
                        separators=(", ", ": ")) for b in buffers]  # fmt: skip
    return "[" + ", ".join(items) + "]"


def generate() -> str:
    writer = Writer()
    table = protocol.PROTOCOL
    payloads = [f"  /** {spec.doc} */\n  {kind}: {writer.ts(spec.payload)};\n"
                for kind, spec in table.items()]  # fmt: skip
    results = [f"  {kind}: {writer.ts(spec.result)};\n" for kind, spec in table.items()]
    commands = [writer.ts(message) for message in protocol.COMMANDS.values()]
    for value, name in writer.aliases:  # every named type, used by a request or not
        writer.declare_alias(name, value)
    for module in MODULES:  # every TypedDict (traits, the offline export)
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "__required_keys__"):
                writer.ts(value)
    out = [HEADER, "\n"]
    out.append("export const KINDS = [" + ", ".join(json.dumps(k) for k in table) + "] as const;\n")
    out.append("export type Kind = (typeof KINDS)[number];\n\n")
    out.append("/** What the page sends with each kind of request. */\n")
    out.append("export interface Payloads {\n" + "".join(payloads) + "}\n\n")
    out.append("/** What Python answers to each kind of request. */\n")
    out.append("export interface Results {\n" + "".join(results) + "}\n\n")
    out.append("/** The binary buffers the page sends with each kind (in order). */\n")
    out.append("export const BUFFERS_IN = {\n")
    out += [f"  {kind}: {_buffers(spec.buffers_in)},\n" for kind, spec in table.items()]
    out.append("} as const;\n\n/** The binary buffers Python answers with (in order). */\n")
    out.append("export const BUFFERS_OUT = {\n")
    out += [f"  {kind}: {_buffers(spec.buffers_out)},\n" for kind, spec in table.items()]
    out.append("} as const;\n\n")
    out.append("/** Messages Python sends the page unasked. */\n")
    out.append(f"export type Command = {' | '.join(commands)};\n")
    out.append(
        "export const COMMANDS = [" + ", ".join(json.dumps(c) for c in protocol.COMMANDS)
        + "] as const;\n"
    )
    out.append(
        f"\nexport const METHODS = {json.dumps(list(protocol_types.METHODS))} as const;\n"
        f"export const METRICS = {json.dumps(list(protocol_types.METRICS))} as const;\n"
    )
    for declaration in writer.declared.values():
        out.append("\n" + declaration)
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdout", action="store_true", help="print instead of writing")
    args = parser.parse_args()
    text = generate()
    if args.stdout:
        sys.stdout.write(text)
    else:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
