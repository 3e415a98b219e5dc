"""The one way every door turns a body into a JSON object: bounded, and never a crash.

Queue trigger, HTTP API (POST /api/builds, /api/plan), the producer CLI and `submit` all call
`load_json_object`. Whatever the body, the result is a dict or a RequestValidationError naming
`body` and a rule, in time and memory bounded by the size limit:

- `too_large`: more than 64 KiB (MAX_BODY_BYTES), checked first: the limit of one queue
  message, and HTTP bodies get the same;
- `encoding`: bytes that are not UTF-8 (a UTF-8 BOM is allowed and dropped): JSON is UTF-8;
- `too_deep`: arrays/objects nested deeper than 32 (MAX_DEPTH), found by a scan of the text
  before parsing (the parser recurses; a valid request nests 6 levels deep);
- `json`: anything `json` cannot parse (line and column given);
- `number`: integers of more than 20 digits, NaN, Infinity, floats out of range (converting long
  digit runs costs quadratic time and Python refuses past 4,300 digits; NaN is not JSON);
- `duplicate_key`: a key twice in one object, refused rather than resolved: parsers disagree on
  which one wins, so two readers of one body could otherwise see two different requests;
- `type`: a top level that is not an object.

`check_structure` applies the depth, number and size bounds to an object that was decoded
elsewhere (a YAML rollout template, a dict handed to `submit`), so every door has the same limits.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.text import quote

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
MAX_INT_DIGITS = 20
MAX_NODES = 20_000
BODY = "body"

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _Refused(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _refuse(rule: str, message: str) -> RequestValidationError:
    return RequestValidationError([FieldError(BODY, rule, message)])


def json_type(value: Any) -> str:
    """'an object', 'an array', 'a string', ... as a sender would say it."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest (strings skipped); stops counting past `limit`."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(
            "number",
            f"holds an integer of {len(digits.lstrip('-'))} digits; numbers in a request have at most "
            f"{MAX_INT_DIGITS}",
        )
    return int(digits)


def _float(text: str) -> float:
    if len(text) > 64:
        raise _Refused(
            "number", f"holds a number written with {len(text)} characters; at most 64 are accepted"
        )
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("number", f"holds the number {quote(text)}, which is out of range")
    return value


def _constant(name: str) -> Any:
    raise _Refused("number", f"holds {name}, which is not a JSON number (RFC 8259)")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused("duplicate_key", f"key {quote(key)} appears more than once in one object")
        result[key] = value
    return result


def too_large(size: int, *, more_than: bool = False) -> RequestValidationError:
    """The refusal of a body of `size` bytes (`more_than`: only that much was read)."""
    said = f"more than {MAX_BODY_BYTES}" if more_than else str(size)
    return _refuse("too_large", f"is {said} bytes; a request is at most {MAX_BODY_BYTES} bytes")


def _text_of(body: str | bytes | bytearray) -> str:
    if isinstance(body, str):
        if len(body) > MAX_BODY_BYTES or len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
            raise too_large(len(body.encode("utf-8", "surrogatepass")))
        return body
    raw = bytes(body)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large(len(raw))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = " (UTF-16 or UTF-32 is not accepted)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise _refuse("encoding", f"not valid UTF-8 at byte {error.start}{hint}") from None


def load_json_object(body: str | bytes | bytearray) -> dict[str, Any]:
    """Decode a request body into a dict, or RequestValidationError (field 'body') saying why."""
    text = _text_of(body)
    if text.startswith("\ufeff"):
        text = text[1:]
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise _refuse("too_deep", f"nests arrays or objects more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as error:
        raise _refuse(
            "json", f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except _Refused as refused:
        raise _refuse(refused.rule, refused.message) from None
    except (RecursionError, ValueError) as error:  # bounded above; kept so no body can crash a door
        raise _refuse("json", f"cannot be decoded: {quote(str(error))}") from None
    if not isinstance(data, dict):
        raise _refuse("type", f"must be a JSON object, got {json_type(data)}")
    return data


def check_structure(data: Any) -> None:
    """The body limits for an already-decoded object (depth, numbers, size); raises when broken."""
    if not isinstance(data, Mapping):
        raise _refuse("type", f"must be a JSON object, got {json_type(data)}")
    stack: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _refuse("too_large", f"holds more than {MAX_NODES} values")
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_DEPTH:
                raise _refuse("too_deep", f"nests arrays or objects more than {MAX_DEPTH} levels deep")
            if isinstance(value, Mapping):
                for key in value:
                    if not isinstance(key, str):
                        raise _refuse("type", f"holds an object key that is {json_type(key)}, not a string")
                    if any(0xD800 <= ord(char) <= 0xDFFF for char in key):
                        raise _refuse(
                            "lone_surrogate",
                            f"holds the key {quote(key)} with a lone surrogate, which is not text",
                        )
            children = value.values() if isinstance(value, Mapping) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) >= 10**MAX_INT_DIGITS:
                raise _refuse("number", f"holds an integer of more than {MAX_INT_DIGITS} digits")
        elif isinstance(value, float) and not math.isfinite(value):
            raise _refuse("number", f"holds the number {value!r}, which is not a JSON number")
