"""Hostile bodies and values at the door: each ends as a rejection naming the field and the rule,
in bounded time, never as RecursionError, ValueError or a rewrite of what was sent."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from imagefactory import naming
from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.json_input import MAX_BODY_BYTES, check_structure, nesting_depth
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings
from imagefactory.text import quote, text_problem

from .samples import NOW, SUBSCRIPTION, VM_ID, gallery_request, with_target


def body_error(body: str | bytes) -> FieldError:
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_json(body, now=NOW)
    assert len(caught.value.errors) == 1, caught.value.errors
    return caught.value.errors[0]


def errors_of(document: Any) -> list[FieldError]:
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_obj_strict(document, now=NOW)
    return caught.value.errors


@pytest.mark.parametrize(
    ("body", "rule", "message"),
    [
        ("[" * 1_500 + "]" * 1_500, "too_deep", "nests arrays or objects more than 32 levels deep"),
        (
            '{"a":' * 100_000 + "1" + "}" * 100_000,
            "too_large",
            "is 600001 bytes; a request is at most 65536 bytes",
        ),
        ("[" * 30_000, "too_deep", "nests arrays or objects more than 32 levels deep"),
        (
            '{"source": ' + "1" * 4_301 + "}",
            "number",
            "holds an integer of 4301 digits; numbers in a request have at most 20",
        ),
        (
            '{"source": -' + "9" * 25 + "}",
            "number",
            "holds an integer of 25 digits; numbers in a request have at most 20",
        ),
        ('{"source": 1e999}', "number", "holds the number '1e999', which is out of range"),
        ('{"source": NaN}', "number", "holds NaN, which is not a JSON number (RFC 8259)"),
        ('{"source": -Infinity}', "number", "holds -Infinity, which is not a JSON number (RFC 8259)"),
        (
            '{"source": "a", "source": "b"}',
            "duplicate_key",
            "key 'source' appears more than once in one object",
        ),
        ("null", "type", "must be a JSON object, got null"),
        ("3", "type", "must be a JSON object, got a number"),
        (" " * (MAX_BODY_BYTES + 1), "too_large", "is 65537 bytes; a request is at most 65536 bytes"),
    ],
)
def test_hostile_bodies_are_rejections_with_a_reason(body: str, rule: str, message: str) -> None:
    started = time.monotonic()
    assert body_error(body) == FieldError("body", rule, message)
    assert body_error(body.encode()) == FieldError("body", rule, message)
    assert time.monotonic() - started < 2


def test_strings_do_not_count_as_nesting() -> None:
    assert nesting_depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "b": [1]}') == 2
    assert nesting_depth('{"a": "\\"[[[[", "b": {"c": [[]]}}') == 4


def test_a_bom_is_dropped_and_the_body_is_read() -> None:
    document = json.dumps(gallery_request())
    assert BuildRequest.parse_json("\ufeff" + document, now=NOW).source == VM_ID
    assert BuildRequest.parse_json(b"\xef\xbb\xbf" + document.encode(), now=NOW).source == VM_ID


def test_decoded_objects_meet_the_same_limits() -> None:
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    cyclic: list[Any] = []
    cyclic.append(cyclic)  # a YAML alias can build this
    for document, rule in [
        (gallery_request(extra=deep), "too_deep"),
        (gallery_request(extra=cyclic), "too_deep"),
        (gallery_request(extra=10**5000), "number"),
        (gallery_request(extra=float("nan")), "number"),
        ({"\ud800": 1}, "lone_surrogate"),
    ]:
        with pytest.raises(RequestValidationError) as caught:
            check_structure(document)
        assert [(e.field, e.rule) for e in caught.value.errors] == [("body", rule)]


def test_a_huge_integer_in_a_decoded_object_is_refused_not_printed() -> None:
    document = with_target(gallery_request(), replication={"replica_count": 10**5000})
    assert errors_of(document) == [FieldError("body", "number", "holds an integer of more than 20 digits")]


def test_error_texts_quote_long_values_shortened() -> None:
    long_name = "x" * 10_000
    [error] = errors_of(with_target(gallery_request(), gallery={"resource_group": "rg", "name": long_name}))
    assert error.rule == "gallery_name"
    assert len(error.message) < 300
    assert f"{'x' * 64!r}... (10000 characters)" in error.message
    assert quote(10**400) == "an integer of about 401 digits"
    assert quote("a\x00\ud800") == "'a\\x00\\ud800'"


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        (".", "(is '.', which names a path, not a resource)"),
        ("..", "(is '..', which names a path, not a resource)"),
        ("vm%2e", "(contains a percent-encoded character)"),
        ("vm?x", "(contains '?')"),
        ("vm#x", "(contains '#')"),
        ("vm x", "(contains whitespace)"),
        ("vm\n", "(ends with a line break)"),
        ("vm\u0661", "(contains a non-ASCII character)"),
        ("v" * 65, "(is 65 characters long)"),
        ("vm-", ""),
        ("_vm", ""),
    ],
)
def test_vm_names_follow_azures_rule_and_the_error_names_it(name: str, detail: str) -> None:
    [error] = errors_of(gallery_request(source=VM_ID.rsplit("/", 1)[0] + "/" + name))
    assert (error.field, error.rule) == ("source", "resource_id")
    assert f"virtual machine name must be {naming.VM_NAME.sentence}, got {quote(name)}" in error.message
    assert error.message.endswith(detail)


@pytest.mark.parametrize("name", ["v", "vm-web-01", "VM_web.01", "v" * 64, "vm_"])
def test_vm_names_azure_accepts_pass(name: str) -> None:
    request = BuildRequest.parse_obj_strict(
        gallery_request(source=VM_ID.rsplit("/", 1)[0] + "/" + name), now=NOW
    )
    assert request.source_vm.name == name


@pytest.mark.parametrize(
    ("guid", "detail"),
    [
        ("{" + SUBSCRIPTION + "}", "(has braces)"),
        (SUBSCRIPTION.replace("-", ""), "(has no hyphens)"),
        ("urn:uuid:" + SUBSCRIPTION, "(has a 'urn:uuid:' prefix)"),
        ("\u0661" + SUBSCRIPTION[1:], "(contains a non-ASCII digit)"),
        (SUBSCRIPTION + "\n", "(ends with a line break)"),
    ],
)
def test_non_canonical_guids_are_refused_naming_the_form(guid: str, detail: str) -> None:
    [error] = errors_of(
        with_target(gallery_request(), gallery={"subscription_id": guid, "resource_group": "rg", "name": "g"})
    )
    assert (error.field, error.rule) == ("target.gallery.subscription_id", "subscription_id")
    assert error.message.startswith(f"must be {naming.GUID.sentence}, got ")
    assert error.message.endswith(detail)


def test_upper_case_guids_name_the_same_subscription_in_lower_case() -> None:
    document = with_target(
        gallery_request(),
        gallery={"subscription_id": SUBSCRIPTION.upper(), "resource_group": "rg", "name": "g"},
    )
    target = BuildRequest.parse_obj_strict(document, now=NOW).target
    assert target.gallery.subscription_id == SUBSCRIPTION  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("region", "rule"),
    [
        ("westeurope\n", "location"),
        ("West  Europe", "location"),
        (" westeurope", "location"),
        ("west-europe", "location"),
        ("narnia", "unknown_region"),
    ],
)
def test_regions_are_written_as_arm_writes_them_and_must_exist(region: str, rule: str) -> None:
    document = with_target(gallery_request(), replication={"target_regions": [{"name": region}]})
    [error] = errors_of(document)
    assert (error.field, error.rule) == ("target.replication.target_regions[0].name", rule)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("publisher", "contoso\x00", "control_character"),
        ("publisher", "con\ud800toso", "lone_surrogate"),
        ("publisher", "c" * 129, "length"),
        ("description", "bell\x07", "control_character"),
        ("description", "d" * 2049, "length"),
    ],
)
def test_free_text_is_refused_naming_the_field_and_the_rule(field: str, value: str, rule: str) -> None:
    definition = {"name": "d", "publisher": "p", "offer": "o", "sku": "s", field: value}
    errors = errors_of(with_target(gallery_request(), definition=definition))
    assert (errors[0].field, errors[0].rule) == (f"target.definition.{field}", rule)


def test_tags_take_no_control_characters_or_surrogates() -> None:
    for tags, rule in [
        ({"team": "web\x00"}, "tag_value"),
        ({"te\x1bam": "web"}, "tag_name"),
        ({"t": "\udc00"}, "tag_value"),
    ]:
        [error] = errors_of(with_target(gallery_request(), tags=tags))
        assert (error.field, error.rule) == ("target.tags", rule)


def test_only_the_description_may_hold_line_breaks() -> None:
    assert text_problem("one\ntwo\tthree", max_length=100, multiline=True) is None
    assert text_problem("one\ntwo", max_length=100) == (
        "control_character",
        "must not hold control characters (U+000A at character 3)",
    )


def test_settings_refuse_result_queues_that_are_the_apps_own() -> None:
    from imagefactory.exceptions import SettingsError

    for values in (
        {"IMAGEFACTORY_RESULT_QUEUES": "ok-results, image-builds-poison"},
        {"IMAGEFACTORY_RESULT_QUEUES": "myhub-control-00"},
        {"IMAGEFACTORY_RESULTS_QUEUE": "image-builds"},
        {"IMAGEFACTORY_EXTRA_REGIONS": "west-europe"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(values)
    settings = Settings.from_env({"IMAGEFACTORY_RESULT_QUEUES": "a-results;b-results\nimage-build-results"})
    assert settings.allowed_result_queues() == ["image-build-results", "a-results", "b-results"]
