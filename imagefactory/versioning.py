"""Gallery image version names and the policies that pick the next one.

Azure names a gallery image version `Major.Minor.Patch`, digits only, each part a signed 32-bit
integer. Versions sort numerically ("1.10.0" is newer than "1.9.0"), and "latest" means the
numerically highest version not excluded from latest, so a policy must always move forward.

A version a request names must be written the one way Azure prints it (imagefactory.naming:
ASCII digits, no leading zeros; 0.0.0 is a valid name, as every part may be 0): it is refused,
never rewritten. Names read back from Azure are read leniently (`read_version`), because a
policy must see every version that exists.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from imagefactory.exceptions import VersionFormatError, VersionPolicyError
from imagefactory.naming import INT32_MAX, version_problem

_EXISTING = re.compile("([0-9]{1,10})[.]([0-9]{1,10})[.]([0-9]{1,10})")
_PART_NAMES = ("major", "minor", "patch")

PolicyName = Literal["next_patch", "next_minor", "date"]


class Version(NamedTuple):
    """A parsed version; tuple ordering is the numeric ordering Azure uses."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def parse_version(text: str) -> Version:
    """Parse a version a request names; VersionFormatError says which rule failed (never rewrites)."""
    if not isinstance(text, str):
        raise VersionFormatError(f"must be a string Major.Minor.Patch, got {type(text).__name__}")
    broken = version_problem(text)
    if broken is not None:
        raise VersionFormatError(broken)
    major, minor, patch = (int(part) for part in text.split("."))
    return Version(major, minor, patch)


def read_version(name: str) -> Version | None:
    """A version name as Azure reports it (ASCII digits, within int32), or None when it is none."""
    match = _EXISTING.fullmatch(name)
    if match is None:
        return None
    parts = [int(group) for group in match.groups()]
    if any(part > INT32_MAX for part in parts):
        return None
    return Version(*parts)


def format_version(major: int, minor: int, patch: int) -> str:
    """Render a version, refusing parts Azure would reject."""
    for name, value in zip(_PART_NAMES, (major, minor, patch), strict=True):
        if not 0 <= value <= INT32_MAX:
            raise VersionPolicyError(f"{name} part {value} is outside 0..{INT32_MAX}")
    return str(Version(major, minor, patch))


class VersionPolicy(BaseModel):
    """Ask for "the next version" instead of naming one.

    `major` pins next_patch/next_minor to one major line (none existing there -> "{major}.0.0").
    The date policy derives the major from the calendar, so it takes no `major`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: PolicyName
    major: StrictInt | None = Field(default=None, ge=0, le=INT32_MAX, validate_default=True)

    @field_validator("major")
    @classmethod
    def _date_policy_has_no_major(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("policy") == "date":
            raise PydanticCustomError(
                "date_policy_major", "must not be set with the date policy (the year is the major part)"
            )
        return value


def _parsed_existing(existing: list[str]) -> list[Version]:
    """Existing names that parse; Azure only stores valid names, so others are ignored."""
    return [version for version in (read_version(name) for name in existing) if version is not None]


def _bump(current: Version, part: Literal["minor", "patch"], policy: str) -> str:
    if part == "patch":
        candidate = (current.major, current.minor, current.patch + 1)
    else:
        candidate = (current.major, current.minor + 1, 0)
    value = candidate[1] if part == "minor" else candidate[2]
    if value > INT32_MAX:
        raise VersionPolicyError(
            f"{policy} after {current} would need {part} {value}, above the 32-bit limit {INT32_MAX}; "
            "name the next version explicitly or set a higher major"
        )
    return format_version(*candidate)


def date_version_prefix(today: date) -> tuple[int, int]:
    """(major, minor) of the date policy for `today`: (YYYY, MMDD as a number)."""
    return today.year, today.month * 100 + today.day


def next_version(policy: VersionPolicy, existing: list[str], today: date) -> str:
    """The version the policy picks given the versions that already exist in the definition.

    next_patch / next_minor: one step after the highest existing version (within `major` when set);
    "1.0.0" (or "{major}.0.0") when there is none.

    date: "{YYYY}.{MMDD}.{n}" with MMDD written as a number (12 January -> 112, so
    "2026.112.0"), n = the next free build number that day, starting at 0. Why this shape: the
    parts sort chronologically as numbers (month*100+day grows through the year), every part stays
    far below the 32-bit limit (YYYYMMDDhhmm in one part would not fit), the name still reads as a
    date, and any number of builds per day get distinct, increasing names. Leading zeros are not
    written because Azure compares parts as integers and would not keep them.
    """
    versions = _parsed_existing(existing)
    if policy.policy == "date":
        year, month_day = date_version_prefix(today)
        later = [v for v in versions if (v.major, v.minor) > (year, month_day)]
        if later:
            raise VersionPolicyError(
                f"date policy for {today.isoformat()} would give {year}.{month_day}.n, but the newer "
                f"version {max(later)} already exists; the new version would never become latest"
            )
        same_day = [v.patch for v in versions if (v.major, v.minor) == (year, month_day)]
        if not same_day:
            return format_version(year, month_day, 0)
        return _bump(Version(year, month_day, max(same_day)), "patch", "date policy")

    if policy.major is not None:
        versions = [v for v in versions if v.major == policy.major]
        if not versions:
            return format_version(policy.major, 0, 0)
    if not versions:
        return "1.0.0"
    part: Literal["minor", "patch"] = "patch" if policy.policy == "next_patch" else "minor"
    return _bump(max(versions), part, policy.policy)
