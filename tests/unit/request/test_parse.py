"""Parsing a valid request: defaults, normalisation, and what travels as orchestration input."""

from __future__ import annotations

import json

import pytest

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.ids import DefinitionId, GalleryId, ImageId, VersionId, VmId
from imagefactory.request import BuildRequest, GalleryTarget, ManagedImageTarget, VersionPolicy

from .samples import NOW, OTHER_SUBSCRIPTION, SUBSCRIPTION, VM_ID, gallery_request, managed_image_request


def test_minimal_gallery_request_gets_documented_defaults() -> None:
    request = BuildRequest.parse_json(json.dumps(gallery_request()), now=NOW)

    assert request.generalize == "deprovision"
    assert request.delete_source_vm is False
    assert request.restart_source_after_capture is False
    assert request.rebuild_failed is False
    assert request.correlation_id is None
    assert request.report.results_queue is None
    assert request.report.region_ready_messages is False
    target = request.target
    assert isinstance(target, GalleryTarget)
    assert target.version == "1.2.3"
    assert target.exclude_from_latest is False
    assert target.allow_deletion_of_replicated_locations is False
    assert target.replication.mode == "Full"
    assert target.replication.replica_count == 1
    assert target.replication.storage_account_type == "Standard_LRS"
    assert target.replication.target_regions == []
    assert target.gallery.subscription_id is None
    assert target.definition.os_state is None


def test_source_id_is_rendered_in_canonical_casing() -> None:
    shouted = VM_ID.replace("resourceGroups", "RESOURCEGROUPS").replace(
        "Microsoft.Compute", "microsoft.compute"
    )
    shouted = shouted.replace(SUBSCRIPTION, SUBSCRIPTION.upper())
    request = BuildRequest.parse_obj_strict(gallery_request(source=shouted), now=NOW)
    assert request.source == VM_ID
    assert request.source_vm == VmId(SUBSCRIPTION, "rg-build", "vm-web-01")


def test_region_names_are_normalised_to_arm_form() -> None:
    document = gallery_request()
    document["target"]["gallery"]["location"] = "West Europe"
    document["target"]["replication"] = {"target_regions": [{"name": "East US 2", "replica_count": 3}]}
    target = BuildRequest.parse_obj_strict(document, now=NOW).target
    assert isinstance(target, GalleryTarget)
    assert target.gallery.location == "westeurope"
    assert target.replication.region_names() == ["eastus2"]


def test_version_policy_is_parsed_into_a_model() -> None:
    document = gallery_request()
    document["target"]["version"] = {"policy": "next_minor", "major": 4}
    target = BuildRequest.parse_obj_strict(document, now=NOW).target
    assert isinstance(target, GalleryTarget)
    assert target.version == VersionPolicy(policy="next_minor", major=4)


def test_orchestration_input_round_trips_without_a_clock() -> None:
    """The pipeline rebuilds the model from model_dump(mode='json') long after the door checked it."""
    document = gallery_request(correlation_id="ci-run:4711", delete_source_vm=True)
    document["target"]["end_of_life"] = "2026-03-02T00:00:00Z"
    document["target"]["tags"] = {"team": "web"}
    request = BuildRequest.parse_obj_strict(document, now=NOW)

    travelled = json.loads(json.dumps(request.model_dump(mode="json")))
    restored = BuildRequest.model_validate(travelled)  # a replay a year later: no clock, no failure

    assert restored == request
    assert travelled["target"]["end_of_life"] == "2026-03-02T00:00:00Z"


def test_gallery_ids_default_to_the_source_subscription() -> None:
    request = BuildRequest.parse_obj_strict(gallery_request(), now=NOW)
    target = request.target
    assert isinstance(target, GalleryTarget)
    source = request.source_vm
    assert target.gallery_id(source) == GalleryId(SUBSCRIPTION, "rg-images", "corp_gallery")
    assert target.definition_id(source) == DefinitionId(
        SUBSCRIPTION, "rg-images", "corp_gallery", "ubuntu-22.04-web"
    )
    assert target.version_id(source) == VersionId(
        SUBSCRIPTION, "rg-images", "corp_gallery", "ubuntu-22.04-web", "1.2.3"
    )
    assert str(request.target_resource_group) == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-images"


def test_gallery_in_another_subscription_and_policy_version_has_no_version_id() -> None:
    document = gallery_request()
    document["target"]["gallery"]["subscription_id"] = OTHER_SUBSCRIPTION.upper()
    document["target"]["version"] = {"policy": "date"}
    request = BuildRequest.parse_obj_strict(document, now=NOW)
    target = request.target
    assert isinstance(target, GalleryTarget)
    assert target.gallery.subscription_id == OTHER_SUBSCRIPTION
    assert target.gallery_id(request.source_vm).subscription_id == OTHER_SUBSCRIPTION
    assert target.version_id(request.source_vm) is None


def test_managed_image_target() -> None:
    request = BuildRequest.parse_obj_strict(
        managed_image_request(generalize="already_deprovisioned"), now=NOW
    )
    target = request.target
    assert isinstance(target, ManagedImageTarget)
    assert target.image_id(request.source_vm) == ImageId(SUBSCRIPTION, "rg-images", "web-image")
    assert target.hyper_v_generation is None


def test_specialized_gallery_image_with_restart() -> None:
    document = gallery_request(generalize="none", restart_source_after_capture=True)
    document["target"]["definition"]["os_state"] = "Specialized"
    request = BuildRequest.parse_obj_strict(document, now=NOW)
    assert request.restart_source_after_capture is True


def test_request_is_immutable() -> None:
    request = BuildRequest.parse_obj_strict(gallery_request(), now=NOW)
    with pytest.raises(ValueError, match="frozen"):
        request.delete_source_vm = True  # type: ignore[misc]


def test_bytes_with_utf8_bom_are_accepted() -> None:
    body = b"\xef\xbb\xbf" + json.dumps(gallery_request()).encode()
    assert BuildRequest.parse_json(body, now=NOW).source == VM_ID


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"source": "x",\n  "target": }',
            FieldError("body", "json", "not valid JSON at line 2 column 13: Expecting value"),
        ),
        ("", FieldError("body", "json", "not valid JSON at line 1 column 1: Expecting value")),
        ("[1, 2]", FieldError("body", "type", "must be a JSON object, got an array")),
        ('"text"', FieldError("body", "type", "must be a JSON object, got a string")),
        (
            '{"source": "a", "source": "b"}',
            FieldError("body", "duplicate_key", "key 'source' appears more than once in one object"),
        ),
        (
            b"\xff\xfe{}",
            FieldError("body", "encoding", "not valid UTF-8 at byte 0 (UTF-16 or UTF-32 is not accepted)"),
        ),
        (b"{\"a\": \x80}", FieldError("body", "encoding", "not valid UTF-8 at byte 6")),
    ],
)
def test_malformed_bodies_name_the_body_and_the_position(body: str | bytes, expected: FieldError) -> None:
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_json(body, now=NOW)
    assert caught.value.errors == [expected]


def test_every_broken_rule_is_reported_at_once_and_str_joins_them() -> None:
    document = gallery_request(delete_source_vm="yes", colour="blue")
    document["target"]["version"] = "1.0"
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_obj_strict(document, now=NOW)
    assert [(e.field, e.rule) for e in caught.value.errors] == [
        ("target.version", "version_format"),
        ("delete_source_vm", "type"),
        ("colour", "unknown_field"),
    ]
    assert str(caught.value) == (
        "target.version: must be Major.Minor.Patch: three parts of ASCII digits 0-9 without leading zeros, "
        "each at most 2147483647 (for example 1.0.0), got '1.0'; "
        "delete_source_vm: must be true or false, got a string; "
        "colour: unknown field (not part of the schema)"
    )
    assert caught.value.to_dicts()[2] == {
        "field": "colour",
        "rule": "unknown_field",
        "message": "unknown field (not part of the schema)",
    }
