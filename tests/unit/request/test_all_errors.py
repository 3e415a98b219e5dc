"""One round trip shows every error: rules relating fields run even when other fields failed."""

from __future__ import annotations

from typing import Any

import pytest

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.request import BuildRequest
from tests.unit.request.samples import NOW, gallery_request, managed_image_request, with_target

DUPLICATE = FieldError(
    "target.replication.target_regions[1].name",
    "duplicate_region",
    "region 'westus' is already listed at target_regions[0]",
)
UNKNOWN_TOP = FieldError("colour", "unknown_field", "unknown field (not part of the schema)")


def _errors(document: dict[str, Any]) -> list[FieldError]:
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_obj_strict(document, now=NOW)
    return caught.value.errors


def test_duplicate_regions_are_reported_alongside_an_unknown_field_in_a_region() -> None:
    regions = [{"name": "westus", "zone": 1}, {"name": "West US"}]
    document = with_target(gallery_request(), replication={"target_regions": regions})
    assert _errors(document) == [
        FieldError(
            "target.replication.target_regions[0].zone",
            "unknown_field",
            "unknown field (not part of the schema)",
        ),
        DUPLICATE,
    ]


def test_duplicate_regions_are_reported_alongside_an_invalid_replica_count_and_a_bad_source() -> None:
    regions = [{"name": "westus"}, {"name": "westus", "replica_count": 0}]
    document = with_target(
        gallery_request(source="not-an-id", colour="red"), replication={"target_regions": regions}
    )
    errors = _errors(document)
    assert DUPLICATE in errors
    assert UNKNOWN_TOP in errors
    assert [e.field for e in errors if e.rule == "range"] == [
        "target.replication.target_regions[1].replica_count"
    ]
    assert any(e.field == "source" for e in errors)
    assert len(errors) == len(set(errors)) == 4


def test_request_level_rules_run_when_an_unrelated_field_failed() -> None:
    document = managed_image_request(generalize="none", colour="red", correlation_id="has space")
    errors = _errors(document)
    assert errors[-1] == FieldError(
        "generalize",
        "specialized_managed_image",
        "'none' (a specialized image) needs a gallery target: a managed image can only be captured from a "
        "generalized VM",
    )
    assert UNKNOWN_TOP in errors
    assert any(e.field == "correlation_id" for e in errors)


def test_a_rule_whose_own_input_is_invalid_says_nothing() -> None:
    # generalize is itself invalid: the os_state rule cannot be judged and is not guessed from a default
    document = with_target(
        gallery_request(generalize="sysprep"),
        definition={"name": "d", "os_state": "Specialized"},
    )
    assert [(e.field, e.rule) for e in _errors(document)] == [("generalize", "allowed_values")]
