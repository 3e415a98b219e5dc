"""pydantic's validation errors as our FieldErrors: dotted paths, stable rule names, sender texts.

The same texts go to HTTP 400 bodies, rejects-queue documents and the CLI, so they are part of
the contract and tested verbatim. Values are quoted through imagefactory.text.quote (shortened).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from imagefactory.exceptions import FieldError
from imagefactory.json_input import json_type
from imagefactory.request_target import FIELD_RULES, TARGET_KINDS
from imagefactory.text import quote, shorten

VERSION_TAGS = ("explicit", "policy")
_IDENTIFIER = re.compile("[A-Za-z_][A-Za-z0-9_]*")


def path_of(loc: tuple[int | str, ...]) -> str:
    """pydantic's loc -> "target.replication.target_regions[1].name", union tags removed."""
    text = ""
    previous: int | str | None = None
    for part in loc:
        is_target_tag = previous == "target" and part in TARGET_KINDS
        is_version_tag = previous == "version" and part in VERSION_TAGS
        previous = part
        if is_target_tag or is_version_tag or part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            shown = part if len(part) <= 64 else part[:64] + "..."
            text += f"[{json.dumps(shown)}]"
    return text


def join_path(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


_DATETIME_MESSAGE = "must be an ISO 8601 date-time with a time zone, such as 2030-01-31T00:00:00Z"
_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_type": _DATETIME_MESSAGE,
    "datetime_parsing": _DATETIME_MESSAGE,
    "datetime_from_date_parsing": _DATETIME_MESSAGE,
    "timezone_aware": "must include a time zone, such as 'Z' or '+02:00'",
}


def _translate(error: Any) -> list[FieldError]:
    kind: str = error["type"]
    path = path_of(tuple(error["loc"])) or "body"
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == FIELD_RULES:
        base = "" if path == "body" else path
        return [FieldError(join_path(base, e.field), e.rule, e.message) for e in ctx["field_errors"]]
    if kind == "string_unicode":
        return [
            FieldError(
                path,
                "lone_surrogate",
                "must not hold a lone surrogate: it is not text and cannot be encoded as UTF-8",
            )
        ]
    if kind == "missing":
        return [FieldError(path, "required", "field required")]
    if kind == "extra_forbidden":
        return [FieldError(path, "unknown_field", "unknown field (not part of the schema)")]
    if kind == "union_tag_not_found":
        return [
            FieldError(
                join_path(path, "kind"), "required", "field required: one of 'gallery', 'managed_image'"
            )
        ]
    if kind == "union_tag_invalid":
        return [
            FieldError(
                join_path(path, "kind"),
                "allowed_values",
                f"must be one of {ctx.get('expected_tags')}, got {quote(ctx.get('tag'))}",
            )
        ]
    if kind == "literal_error":
        return [
            FieldError(path, "allowed_values", f"must be one of {ctx.get('expected')}, got {quote(value)}")
        ]
    if kind in _TYPE_MESSAGES:
        rule = (
            "datetime"
            if kind.startswith("datetime")
            else ("timezone" if kind == "timezone_aware" else "type")
        )
        got = "" if rule != "type" else f", got {json_type(value)}"
        return [FieldError(path, rule, _TYPE_MESSAGES[kind] + got)]
    if kind == "greater_than_equal":
        return [FieldError(path, "range", f"must be at least {ctx.get('ge')}, got {quote(value)}")]
    if kind == "less_than_equal":
        return [FieldError(path, "range", f"must be at most {ctx.get('le')}, got {quote(value)}")]
    if kind == "string_too_short":
        return [FieldError(path, "length", f"must be at least {ctx.get('min_length')} characters")]
    if kind == "too_short":
        return [
            FieldError(
                path,
                "length",
                f"must have at least {ctx.get('min_length')} item, got {ctx.get('actual_length')}",
            )
        ]
    if kind == "too_long":
        return [
            FieldError(
                path,
                "length",
                f"must have at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}",
            )
        ]
    if kind == "string_too_long":
        return [FieldError(path, "length", f"must be at most {ctx.get('max_length')} characters")]
    return [FieldError(path, kind, shorten(str(error["msg"])))]


def errors_from_validation(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """Every pydantic error as FieldErrors with our paths, rules and texts (prefix: parent path)."""
    translated: list[FieldError] = []
    for item in error.errors(include_url=False):
        for field_error in _translate(item):
            translated.append(
                FieldError(join_path(prefix, field_error.field), field_error.rule, field_error.message)
            )
    return translated
