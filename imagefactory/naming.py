"""Azure's naming rules, one per resource type the product names, each stated once.

Source: "Naming rules and restrictions for Azure resources" (learn.microsoft.com,
azure-resource-manager/management/resource-name-rules), Microsoft.Compute and
Microsoft.Resources, and the Storage queue naming rules. Where Azure is looser than the door,
the door is stricter on purpose and says so:
- resource groups: Azure also allows non-ASCII letters and digits; the door takes ASCII only, so
  names, ids and keys compare byte for byte and a look-alike letter cannot name another group;
- virtual machines: the resource name (1-64) is what a request names; the door takes letters,
  digits, '.', '_' and '-', starting with a letter or digit and not ending with '.' or '-'
  (Azure's list of forbidden characters is longer than its list of useful ones).

Every rule is one pattern, used twice: `re.fullmatch` here, and verbatim as `pattern` in the
published JSON Schemas. Patterns never end with `$`: in Python `$` also matches before a
trailing newline, and JSON Schema validators written in Python use Python's `re`. They end with
`(?![\\s\\S])` ("no character follows"), which means end of string in ECMA-262 and Python alike.
Character classes are spelled out (`[0-9]`, never `\\d` or `\\w`, which match non-ASCII digits
and letters in Python).

`problem(rule, value)` returns the broken rule's name and a sentence naming what is wrong (a
trailing newline, '..', a percent-encoded character, the length, ...), or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from imagefactory.text import quote

END = "(?![\\s\\S])"
INT32_MAX = 2_147_483_647


@dataclass(frozen=True)
class NameRule:
    """One Azure naming rule: its error rule name, the pattern, the bounds and the sentence."""

    rule: str
    what: str
    body: str
    min_length: int
    max_length: int
    sentence: str

    @property
    def pattern(self) -> str:
        """The whole-string pattern (anchored at both ends), as published in the schemas."""
        return f"^{self.body}{END}"

    def matches(self, value: str) -> bool:
        return (
            self.min_length <= len(value) <= self.max_length and re.fullmatch(self.pattern, value) is not None
        )

    def json_schema(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "minLength": self.min_length, "maxLength": self.max_length}


VM_NAME = NameRule(
    rule="vm_name",
    what="virtual machine name",
    body="[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?",
    min_length=1,
    max_length=64,
    sentence="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit and not ending "
    "with '.' or '-'",
)
RESOURCE_GROUP = NameRule(
    rule="resource_group_name",
    what="resource group",
    body="[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]",
    min_length=1,
    max_length=90,
    sentence="1-90 ASCII letters, digits, '_', '-', '.', '(' or ')', not ending with '.'",
)
GALLERY_NAME = NameRule(
    rule="gallery_name",
    what="gallery name",
    body="[A-Za-z0-9](?:[A-Za-z0-9._]{0,78}[A-Za-z0-9])?",
    min_length=1,
    max_length=80,
    sentence="1-80 letters, digits, '.' or '_', starting and ending with a letter or digit",
)
DEFINITION_NAME = NameRule(
    rule="definition_name",
    what="image definition name",
    body="[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9])?",
    min_length=1,
    max_length=80,
    sentence="1-80 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
)
IMAGE_NAME = NameRule(
    rule="image_name",
    what="managed image name",
    body="[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?",
    min_length=1,
    max_length=80,
    sentence="1-80 letters, digits, '.', '_' or '-', starting with a letter or digit and ending with "
    "a letter, digit or '_'",
)
QUEUE_NAME = NameRule(
    rule="queue_name",
    what="storage queue name",
    body="[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}",
    min_length=3,
    max_length=63,
    sentence="3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit",
)
# ARM compares ids case-insensitively, so upper-case hex digits are accepted (and rendered in
# lower case: the same id to ARM). Braces, a missing hyphen, 'urn:uuid:' or non-ASCII digits are not.
GUID = NameRule(
    rule="subscription_id",
    what="subscription id",
    body="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    min_length=36,
    max_length=36,
    sentence="a GUID of 32 hexadecimal digits 0-9 a-f in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx "
    "(no braces)",
)
# Azure reads each part as a 32-bit integer. A leading zero would give one number two names
# ('01.2.3' and '1.2.3'), so parts are written the one way Azure prints them.
_PART = "(?:0|[1-9][0-9]{0,9})"
VERSION_NAME = NameRule(
    rule="version_format",
    what="version",
    body=f"{_PART}\\.{_PART}\\.{_PART}",
    min_length=5,
    max_length=32,
    sentence="Major.Minor.Patch: three parts of ASCII digits 0-9 without leading zeros, each at most "
    f"{INT32_MAX} (for example 1.0.0)",
)


def case_insensitive(literal: str) -> str:
    """A pattern matching `literal` in any case, without flags (ECMA-262 has no inline (?i))."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in literal)


def _guid_problem(value: str) -> str | None:
    if value.startswith("{") or value.endswith("}"):
        return "has braces"
    if value.lower().startswith("urn:"):
        return "has a 'urn:uuid:' prefix"
    if re.fullmatch("[0-9a-fA-F]{32}", value):
        return "has no hyphens"
    if any(char.isdigit() and not char.isascii() for char in value):
        return "contains a non-ASCII digit"
    return None


def _whole_value_problem(rule: NameRule, value: str) -> str | None:
    """The most specific reason a value breaks `rule`, in words a sender can act on."""
    if value == "":
        return "is empty"
    if rule is GUID and _guid_problem(value) is not None:
        return _guid_problem(value)
    if value.endswith(("\n", "\r")):
        return "ends with a line break"
    if any(char.isspace() for char in value):
        return "contains whitespace"
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in value):
        return "contains a control character"
    if value in (".", ".."):
        return f"is {value!r}, which names a path, not a resource"
    if re.search("%[0-9A-Fa-f]{2}", value):
        return "contains a percent-encoded character"
    for char in "/?#%\\":
        if char in value:
            return f"contains {char!r}"
    if any(not char.isascii() for char in value):
        return "contains a non-ASCII character"
    if len(value) > rule.max_length or len(value) < rule.min_length:
        return f"is {len(value)} characters long"
    return None


def problem(rule: NameRule, value: str) -> str | None:
    """None when `value` follows `rule`, else the sentence: rule, what is wrong, the value."""
    if rule.matches(value):
        return None
    detail = _whole_value_problem(rule, value)
    why = f" ({detail})" if detail else ""
    return f"must be {rule.sentence}, got {quote(value)}{why}"


def version_problem(value: str) -> str | None:
    """None for a valid gallery image version name, else the sentence (int32 overflow named)."""
    if VERSION_NAME.matches(value):
        parts = [int(part) for part in value.split(".")]
        for name, part in zip(("major", "minor", "patch"), parts, strict=True):
            if part > INT32_MAX:
                return f"{name} part {part} of {quote(value)} exceeds {INT32_MAX} (32-bit integer)"
        return None
    pieces = value.split(".")
    if len(pieces) == 3 and all(re.fullmatch("[0-9]+", piece) for piece in pieces):
        if any(len(piece) > 1 and piece.startswith("0") for piece in pieces):
            return (
                f"must be {VERSION_NAME.sentence}, got {quote(value)} (a leading zero: Azure reads each "
                "part as a number, so it would be the same version as one written without it)"
            )
        for name, piece in zip(("major", "minor", "patch"), pieces, strict=True):
            if len(piece) > 10 or int(piece) > INT32_MAX:
                shown = piece if len(piece) <= 20 else f"of {len(piece)} digits"
                return f"{name} part {shown} of {quote(value)} exceeds {INT32_MAX} (32-bit integer)"
    if any(char.isdigit() and not char.isascii() for char in value):
        return f"must be {VERSION_NAME.sentence}, got {quote(value)} (contains a non-ASCII digit)"
    detail = _whole_value_problem(VERSION_NAME, value)
    why = f" ({detail})" if detail and detail != f"is {len(value)} characters long" else ""
    return f"must be {VERSION_NAME.sentence}, got {quote(value)}{why}"
