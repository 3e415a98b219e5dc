"""Version names and the next-version policies (numeric ordering, int32 limits, date builds)."""

from __future__ import annotations

from datetime import date

import pytest

from imagefactory.exceptions import VersionFormatError, VersionPolicyError
from imagefactory.versioning import INT32_MAX, Version, VersionPolicy, next_version, parse_version

TODAY = date(2026, 1, 12)


def policy(name: str, major: int | None = None) -> VersionPolicy:
    return VersionPolicy.model_validate({"policy": name, "major": major})


RULE = (
    "must be Major.Minor.Patch: three parts of ASCII digits 0-9 without leading zeros, each at most "
    "2147483647 (for example 1.0.0)"
)


def test_parse_version_reads_three_numeric_parts() -> None:
    assert parse_version("1.10.0") == Version(1, 10, 0)
    assert str(parse_version("0.0.2147483647")) == "0.0.2147483647"
    assert parse_version("0.0.0") == Version(0, 0, 0)  # Azure: every part is 0..2147483647


def test_versions_are_refused_never_rewritten() -> None:
    with pytest.raises(VersionFormatError) as caught:
        parse_version("01.002.3")
    assert str(caught.value) == (
        f"{RULE}, got '01.002.3' (a leading zero: Azure reads each part as a number, so it would be the "
        "same version as one written without it)"
    )
    arabic_indic_one = "\u0661"
    with pytest.raises(VersionFormatError, match="contains a non-ASCII digit"):
        parse_version(f"{arabic_indic_one}.0.0")
    with pytest.raises(VersionFormatError, match="ends with a line break"):
        parse_version("1.0.0\n")
    with pytest.raises(VersionFormatError, match="major part of 30 digits"):
        parse_version("9" * 30 + ".0.0")


def test_names_azure_reports_are_read_leniently_for_policies() -> None:
    from imagefactory.versioning import read_version

    assert read_version("01.2.3") == Version(1, 2, 3)
    assert read_version("\u0661.0.0") is None
    assert read_version("1.0.0\n") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.0", f"{RULE}, got '1.0'"),
        ("1.0.0.0", f"{RULE}, got '1.0.0.0'"),
        ("v1.0.0", f"{RULE}, got 'v1.0.0'"),
        ("1.-1.0", f"{RULE}, got '1.-1.0'"),
        ("2147483648.0.0", "major part 2147483648 of '2147483648.0.0' exceeds 2147483647 (32-bit integer)"),
        (
            "1.0.99999999999",
            "patch part 99999999999 of '1.0.99999999999' exceeds 2147483647 (32-bit integer)",
        ),
    ],
)
def test_parse_version_rejects_with_the_rule(text: str, message: str) -> None:
    with pytest.raises(VersionFormatError) as caught:
        parse_version(text)
    assert str(caught.value) == message


def test_next_patch_orders_numerically_not_lexically() -> None:
    existing = ["1.9.0", "1.10.0", "1.2.9", "1.10.9", "1.10.10"]
    assert next_version(policy("next_patch"), existing, TODAY) == "1.10.11"
    assert next_version(policy("next_minor"), existing, TODAY) == "1.11.0"


def test_first_version_without_existing_ones() -> None:
    assert next_version(policy("next_patch"), [], TODAY) == "1.0.0"
    assert next_version(policy("next_minor"), [], TODAY) == "1.0.0"
    assert next_version(policy("next_patch", major=3), ["1.4.4"], TODAY) == "3.0.0"


def test_major_pins_the_line() -> None:
    existing = ["2.5.1", "3.0.7", "2.9.0", "10.0.0"]
    assert next_version(policy("next_patch", major=2), existing, TODAY) == "2.9.1"
    assert next_version(policy("next_minor", major=3), existing, TODAY) == "3.1.0"
    assert next_version(policy("next_patch"), existing, TODAY) == "10.0.1"


def test_names_that_are_not_versions_are_ignored() -> None:
    assert next_version(policy("next_patch"), ["latest", "1.0.4"], TODAY) == "1.0.5"


def test_int32_overflow_is_refused_with_a_clear_error() -> None:
    with pytest.raises(VersionPolicyError) as caught:
        next_version(policy("next_patch"), [f"1.0.{INT32_MAX}"], TODAY)
    assert str(caught.value) == (
        "next_patch after 1.0.2147483647 would need patch 2147483648, above the 32-bit limit 2147483647; "
        "name the next version explicitly or set a higher major"
    )
    with pytest.raises(VersionPolicyError, match="would need minor 2147483648"):
        next_version(policy("next_minor"), [f"1.{INT32_MAX}.5"], TODAY)


def test_date_policy_numbers_builds_within_the_day() -> None:
    assert next_version(policy("date"), [], TODAY) == "2026.112.0"
    assert next_version(policy("date"), ["2026.112.0", "2026.112.1", "2026.111.7"], TODAY) == "2026.112.2"
    assert next_version(policy("date"), ["2026.111.7", "1.0.0"], TODAY) == "2026.112.0"


def test_date_versions_sort_chronologically_through_the_year() -> None:
    days = [
        date(2026, 1, 31),
        date(2026, 2, 1),
        date(2026, 9, 30),
        date(2026, 10, 1),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
    names = [next_version(policy("date"), [], day) for day in days]
    assert [parse_version(n) for n in names] == sorted(parse_version(n) for n in names)


def test_date_policy_refuses_to_fall_behind_a_newer_version() -> None:
    with pytest.raises(VersionPolicyError) as caught:
        next_version(policy("date"), ["2026.113.0"], TODAY)
    assert str(caught.value) == (
        "date policy for 2026-01-12 would give 2026.112.n, but the newer version 2026.113.0 already exists; "
        "the new version would never become latest"
    )
