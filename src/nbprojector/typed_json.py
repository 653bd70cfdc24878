"""Checking JSON values against TypedDicts, with messages a person can act on.

A value that does not fit gets an error naming the field, what it got and what is expected:
"'column' must be a string, got a list"; "'dims' must be 2 or 3, got 'abc'". Supported
types: str, int, float (finite), bool, None, Any, Literal, unions, list[T], dict[str, T] and
TypedDicts (NotRequired fields may be absent; unknown fields are refused), and unions of
TypedDicts told apart by a Literal field (the first field of the first member).
"""

import math
import types
import typing
from typing import Any, Literal, Union


class SchemaError(ValueError):
    """A value that does not fit its type."""


def check(value: dict[str, Any], schema: Any, where: str) -> dict[str, Any]:
    """``value`` checked against a TypedDict (or a Union of them told apart by a Literal
    field); returned as is. Unknown fields are refused: they are a sender's mistake."""
    if typing.get_origin(schema) in (Union, types.UnionType):
        schema = _member(value, typing.get_args(schema), where)
    hints = typing.get_type_hints(schema)
    unknown = sorted(set(value) - set(hints))
    if unknown:
        expected = ", ".join(hints) or "no fields"
        raise SchemaError(f"{where} has no field {unknown[0]!r} (expected: {expected})")
    for key in sorted(schema.__required_keys__ - set(value)):
        raise SchemaError(f"{where} needs {key!r}, {describe(hints[key])}")
    for key, item in value.items():
        _check_field(key, item, hints[key])
    return value


def _member(value: dict[str, Any], members: tuple[Any, ...], where: str) -> Any:
    """The member of a Union of TypedDicts that ``value`` is, by their Literal field."""
    key = next(iter(typing.get_type_hints(members[0])))
    if key not in value:
        for member in members:
            if key not in member.__required_keys__:
                return member
    for member in members:
        if value.get(key) in typing.get_args(typing.get_type_hints(member)[key]):
            return member
    allowed = [typing.get_args(typing.get_type_hints(m)[key])[0] for m in members]
    raise SchemaError(f"{key!r} must be {_either(allowed)}, got {shown(value.get(key))}")


def _check_field(key: str, value: Any, tp: Any) -> None:
    if not _fits(value, tp):
        if typing.get_origin(tp) is list and isinstance(value, list):
            (item_type,) = typing.get_args(tp)
            position, bad = next((i, v) for i, v in enumerate(value) if not _fits(v, item_type))
            raise SchemaError(
                f"{key!r} must be {describe(tp)}, got {shown(bad)} at position {position}"
            )
        raise SchemaError(f"{key!r} must be {describe(tp)}, got {shown(value)}")
    if isinstance(value, dict) and _is_typeddict(tp):
        check(value, tp, repr(key))


def _fits(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if tp is type(None) or tp is None:
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return _is_number(value) and math.isfinite(value)
    if tp is str:
        return isinstance(value, str)
    if origin is Literal:
        return any(value == a and type(value) is type(a) for a in typing.get_args(tp))
    if origin in (Union, types.UnionType):
        return any(_fits(value, member) for member in typing.get_args(tp))
    if origin is list:
        (item_type,) = typing.get_args(tp)
        return isinstance(value, list) and all(_fits(v, item_type) for v in value)
    if origin is dict:
        _, value_type = typing.get_args(tp)
        return isinstance(value, dict) and all(
            isinstance(k, str) and _fits(v, value_type) for k, v in value.items()
        )
    if _is_typeddict(tp):
        return isinstance(value, dict)  # its fields are checked by check()
    raise TypeError(f"the protocol cannot check values of type {tp!r}")


def describe(tp: Any) -> str:
    """What a value of ``tp`` is, in words: 'a list of integers', '2 or 3'."""
    origin = typing.get_origin(tp)
    words = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             type(None): "null", None: "null"}  # fmt: skip
    if tp in words:
        return words[tp]
    if tp is Any:
        return "any JSON value"
    if origin is Literal:
        return _either(list(typing.get_args(tp)))
    if origin in (Union, types.UnionType):
        return " or ".join(describe(m) for m in typing.get_args(tp))
    if origin is list:
        plural = {bool: "true or false values", int: "integers", float: "numbers",
                  str: "strings"}  # fmt: skip
        (item_type,) = typing.get_args(tp)
        return f"a list of {plural.get(item_type, 'values')}"
    return "an object"


def _either(values: list[Any]) -> str:
    texts = [repr(v) for v in values]
    if len(texts) <= 2:
        return " or ".join(texts)
    return f"one of {', '.join(texts)}"


def shown(value: Any) -> str:
    """A value as an error message shows it: short, in JSON's words."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")
