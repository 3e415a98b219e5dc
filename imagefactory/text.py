"""Free text at the door: what a string field may hold, and how an error quotes a value.

Every string a request carries ends up somewhere else: in an ARM request body, a log line, a
queue message, an HTTP answer. So every string field, whatever its own rule, also follows these:
- no control characters (C0 U+0000-U+001F, DEL, C1 U+0080-U+009F); `description` alone may hold
  line breaks and tabs (`\\n`, `\\r`, `\\t`), which a multi-line description needs;
- no lone surrogates (U+D800-U+DFFF: JSON can spell them as `\\ud800`, but they are not text and
  cannot be encoded as UTF-8, so every later step would fail on them);
- a bounded length per field (each field states its own bound).

Error texts quote offending values through `quote`, which shortens long values, so a 60 KiB
string never comes back 60 KiB long in an error, a log line or a rejects message.
"""

from __future__ import annotations

from typing import Any

QUOTE_LIMIT = 64
# Schema pattern of free text: no control characters, no lone surrogates (ECMA-262 and Python).
# In ECMA-262 without the `u` flag a string is UTF-16, so a valid surrogate pair is allowed as a
# pair; Python strings decoded from JSON never hold a pair, only whole code points.
_NO_CONTROLS = "\\u0000-\\u001f\\u007f-\\u009f"
_SURROGATES = "\\ud800-\\udfff"
TEXT_PATTERN = f"^(?:[^{_NO_CONTROLS}{_SURROGATES}]|[\\ud800-\\udbff][\\udc00-\\udfff])*(?![\\s\\S])"
MULTILINE_TEXT_PATTERN = (
    f"^(?:[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f{_SURROGATES}]"
    "|[\\ud800-\\udbff][\\udc00-\\udfff])*(?![\\s\\S])"
)
_LINE_BREAKS = frozenset("\n\r\t")


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`repr(value)`, shortened to about `limit` characters with the full length said.

    repr escapes control characters and lone surrogates, so the result is always printable and
    encodable; a long value keeps its start and says how long it was.
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, bytes | bytearray) and len(value) > limit:
        return f"{bytes(value[:limit])!r}... ({len(value)} bytes)"
    text = repr(value)
    if len(text) > limit + 2:
        return f"{text[:limit]}... ({len(text)} characters)"
    return text


def shorten(text: str, limit: int = 1000) -> str:
    """A sentence cut to `limit` characters (for texts that already quote their values)."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> tuple[str, str] | None:
    """(rule, message) for the first free-text rule `value` breaks, or None when it breaks none."""
    if len(value) > max_length:
        return "length", f"must be at most {max_length} characters, got {len(value)}"
    for index, char in enumerate(value):
        if is_surrogate(char):
            return (
                "lone_surrogate",
                f"must not hold a lone surrogate (U+{ord(char):04X} at character {index}): it is not "
                "text and cannot be encoded as UTF-8",
            )
        if is_control(char) and not (multiline and char in _LINE_BREAKS):
            allowed = " other than line breaks and tabs" if multiline else ""
            return (
                "control_character",
                f"must not hold control characters{allowed} (U+{ord(char):04X} at character {index})",
            )
    return None
