"""Every validation rule, with the exact text a sender sees (HTTP 400, poison queue, CLI)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.request import BuildRequest

from .samples import NOW, SUBSCRIPTION, gallery_request, managed_image_request, with_target

GUID_RULE = (
    "must be a GUID of 32 hexadecimal digits 0-9 a-f in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx "
    "(no braces), "
)
VERSION_RULE = (
    "Major.Minor.Patch: three parts of ASCII digits 0-9 without leading zeros, each at most 2147483647 "
    "(for example 1.0.0)"
)
VM_SHAPE = (
    "/subscriptions/{subscription-guid}/resourceGroups/{resource-group}/providers/Microsoft.Compute/"
    "virtualMachines/{vm-name}"
)


def errors_of(document: Any) -> list[FieldError]:
    with pytest.raises(RequestValidationError) as caught:
        BuildRequest.parse_obj_strict(document, now=NOW)
    return caught.value.errors


def one_error(document: Any) -> FieldError:
    errors = errors_of(document)
    assert len(errors) == 1, errors
    return errors[0]


def definition(**fields: Any) -> dict[str, Any]:
    return {"name": "ubuntu-22.04-web", **fields}


def replication(**fields: Any) -> dict[str, Any]:
    return fields


CASES: list[tuple[str, dict[str, Any], FieldError]] = [
    (
        "source not a VM id",
        gallery_request(source=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg"),
        FieldError(
            "source",
            "resource_id",
            "must be a virtual machine resource id: "
            f"'/subscriptions/{SUBSCRIPTION}/resourceGroups/rg' does not have the shape {VM_SHAPE}",
        ),
    ),
    (
        "source subscription not a GUID",
        gallery_request(
            source="/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v"
        ),
        FieldError(
            "source",
            "resource_id",
            f"must be a virtual machine resource id {VM_SHAPE}: subscription id {GUID_RULE}got 'abc' "
            "(is 3 characters long)",
        ),
    ),
    (
        "source of another resource type",
        gallery_request(
            source=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1"
        ),
        FieldError(
            "source",
            "resource_id",
            "must be a virtual machine resource id: "
            f"'/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1' "
            f"has segment 'disks' where 'virtualMachines' is expected (shape {VM_SHAPE})",
        ),
    ),
    (
        "source missing",
        {"target": gallery_request()["target"]},
        FieldError("source", "required", "field required"),
    ),
    (
        "generalize unknown",
        gallery_request(generalize="sysprep"),
        FieldError(
            "generalize",
            "allowed_values",
            "must be one of 'deprovision', 'already_deprovisioned' or 'none', got 'sysprep'",
        ),
    ),
    (
        "gallery subscription not a GUID",
        with_target(
            gallery_request(), gallery={"subscription_id": "prod", "resource_group": "rg", "name": "g"}
        ),
        FieldError(
            "target.gallery.subscription_id",
            "subscription_id",
            f"{GUID_RULE}got 'prod' (is 4 characters long)",
        ),
    ),
    (
        "gallery name with a dash",
        with_target(gallery_request(), gallery={"resource_group": "rg", "name": "corp-gallery"}),
        FieldError(
            "target.gallery.name",
            "gallery_name",
            "must be 1-80 letters, digits, '.' or '_', starting and ending with a letter or digit, "
            "got 'corp-gallery'",
        ),
    ),
    (
        "resource group ending with a period",
        with_target(gallery_request(), gallery={"resource_group": "rg.", "name": "g"}),
        FieldError(
            "target.gallery.resource_group",
            "resource_group_name",
            "must be 1-90 ASCII letters, digits, '_', '-', '.', '(' or ')', not ending with '.', got 'rg.'",
        ),
    ),
    (
        "definition name with a space",
        with_target(gallery_request(), definition=definition(name="web image")),
        FieldError(
            "target.definition.name",
            "definition_name",
            "must be 1-80 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, "
            "got 'web image' (contains whitespace)",
        ),
    ),
    (
        "location not a region",
        with_target(
            gallery_request(), gallery={"resource_group": "rg", "name": "g", "location": "west-europe"}
        ),
        FieldError(
            "target.gallery.location",
            "location",
            "must be an Azure region name such as 'westeurope' or 'West US 2' (ASCII letters and digits, "
            "words separated by single spaces), got 'west-europe'",
        ),
    ),
    (
        "version with two parts",
        with_target(gallery_request(), version="1.0"),
        FieldError(
            "target.version",
            "version_format",
            f"must be {VERSION_RULE}, got '1.0'",
        ),
    ),
    (
        "version part above int32",
        with_target(gallery_request(), version="1.2147483648.0"),
        FieldError(
            "target.version",
            "version_format",
            "minor part 2147483648 of '1.2147483648.0' exceeds 2147483647 (32-bit integer)",
        ),
    ),
    (
        "version of the wrong type",
        with_target(gallery_request(), version=1),
        FieldError(
            "target.version",
            "version_type",
            'must be a version \'Major.Minor.Patch\' or a policy object such as {"policy": "next_patch"}',
        ),
    ),
    (
        "unknown version policy",
        with_target(gallery_request(), version={"policy": "weekly"}),
        FieldError(
            "target.version.policy",
            "allowed_values",
            "must be one of 'next_patch', 'next_minor' or 'date', got 'weekly'",
        ),
    ),
    (
        "date policy with a major",
        with_target(gallery_request(), version={"policy": "date", "major": 3}),
        FieldError(
            "target.version.major",
            "date_policy_major",
            "must not be set with the date policy (the year is the major part)",
        ),
    ),
    (
        "policy major above int32",
        with_target(gallery_request(), version={"policy": "next_patch", "major": 2147483648}),
        FieldError("target.version.major", "range", "must be at most 2147483647, got 2147483648"),
    ),
    (
        "replica count zero",
        with_target(gallery_request(), replication=replication(replica_count=0)),
        FieldError("target.replication.replica_count", "range", "must be at least 1, got 0"),
    ),
    (
        "regional replica count above 100",
        with_target(
            gallery_request(),
            replication=replication(
                target_regions=[{"name": "westus"}, {"name": "eastus", "replica_count": 101}]
            ),
        ),
        FieldError(
            "target.replication.target_regions[1].replica_count", "range", "must be at most 100, got 101"
        ),
    ),
    (
        "replica count as a string",
        with_target(gallery_request(), replication=replication(replica_count="3")),
        FieldError("target.replication.replica_count", "type", "must be an integer, got a string"),
    ),
    (
        "replica count as a boolean",
        with_target(gallery_request(), replication=replication(replica_count=True)),
        FieldError("target.replication.replica_count", "type", "must be an integer, got a boolean"),
    ),
    (
        "duplicate region in another spelling",
        with_target(
            gallery_request(),
            replication=replication(
                target_regions=[{"name": "West US 2"}, {"name": "eastus"}, {"name": "westus2"}]
            ),
        ),
        FieldError(
            "target.replication.target_regions[2].name",
            "duplicate_region",
            "region 'westus2' is already listed at target_regions[0]",
        ),
    ),
    (
        "unknown storage account type",
        with_target(gallery_request(), replication=replication(storage_account_type="Premium_ZRS")),
        FieldError(
            "target.replication.storage_account_type",
            "allowed_values",
            "must be one of 'Standard_LRS', 'Standard_ZRS', 'Premium_LRS' or 'PremiumV2_LRS', "
            "got 'Premium_ZRS'",
        ),
    ),
    (
        "end of life in the past",
        with_target(gallery_request(), end_of_life="2026-03-01T11:59:59Z"),
        FieldError(
            "target.end_of_life",
            "future",
            "must be in the future, got 2026-03-01T11:59:59+00:00 (now 2026-03-01T12:00:00+00:00)",
        ),
    ),
    (
        "end of life without a time zone",
        with_target(gallery_request(), end_of_life="2030-01-01T00:00:00"),
        FieldError("target.end_of_life", "timezone", "must include a time zone, such as 'Z' or '+02:00'"),
    ),
    (
        "end of life not a date",
        with_target(gallery_request(), end_of_life="next year"),
        FieldError(
            "target.end_of_life",
            "datetime",
            "must be an ISO 8601 date-time with a time zone, such as 2030-01-31T00:00:00Z",
        ),
    ),
    (
        "target kind unknown",
        with_target(gallery_request(), kind="vhd"),
        FieldError("target.kind", "allowed_values", "must be one of 'gallery', 'managed_image', got 'vhd'"),
    ),
    (
        "target kind missing",
        gallery_request(target={"resource_group": "rg", "name": "img"}),
        FieldError("target.kind", "required", "field required: one of 'gallery', 'managed_image'"),
    ),
    (
        "target not an object",
        gallery_request(target="gallery"),
        FieldError("target", "type", "must be an object, got a string"),
    ),
    (
        "unknown field deep inside",
        with_target(
            gallery_request(), replication=replication(target_regions=[{"name": "westus", "zone": 1}])
        ),
        FieldError(
            "target.replication.target_regions[0].zone",
            "unknown_field",
            "unknown field (not part of the schema)",
        ),
    ),
    (
        "field of the other target kind",
        with_target(managed_image_request(), definition={"name": "d"}),
        FieldError("target.definition", "unknown_field", "unknown field (not part of the schema)"),
    ),
    (
        "managed image name ending with a period",
        with_target(managed_image_request(), name="img."),
        FieldError(
            "target.name",
            "image_name",
            "must be 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit and ending with "
            "a letter, digit or '_', got 'img.'",
        ),
    ),
    (
        "correlation id with a space",
        gallery_request(correlation_id="run 42"),
        FieldError(
            "correlation_id",
            "correlation_id",
            "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, got 'run 42'",
        ),
    ),
    (
        "correlation id too long",
        gallery_request(correlation_id="x" * 129),
        FieldError(
            "correlation_id",
            "correlation_id",
            f"must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, got {'x' * 64!r}... (129 characters)",
        ),
    ),
    (
        "results queue with capitals",
        gallery_request(report={"results_queue": "Image-Results"}),
        FieldError(
            "report.results_queue",
            "queue_name",
            "must be 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter "
            "or digit, got 'Image-Results'",
        ),
    ),
    (
        "results queue with a double hyphen",
        gallery_request(report={"results_queue": "image--results"}),
        FieldError(
            "report.results_queue",
            "queue_name",
            "must be 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter "
            "or digit, got 'image--results'",
        ),
    ),
    (
        "tag name with a slash",
        with_target(gallery_request(), tags={"cost/center": "42"}),
        FieldError(
            "target.tags", "tag_name", "tag name 'cost/center' must not contain any of < > % & \\ ? /"
        ),
    ),
    (
        "tag value not a string",
        with_target(gallery_request(), tags={"tier": 1}),
        FieldError("target.tags.tier", "type", "must be a string, got a number"),
    ),
    (
        "tag name with a space is quoted in the path",
        with_target(gallery_request(), tags={"cost center": None}),
        FieldError('target.tags["cost center"]', "type", "must be a string, got null"),
    ),
    (
        "too many tags",
        with_target(gallery_request(), tags={f"t{i}": "v" for i in range(51)}),
        FieldError("target.tags", "tags", "at most 50 tags are allowed, got 51"),
    ),
    (
        "delete flag as a string",
        gallery_request(delete_source_vm="true"),
        FieldError("delete_source_vm", "type", "must be true or false, got a string"),
    ),
    (
        "publisher without offer and sku",
        with_target(gallery_request(), definition=definition(publisher="contoso")),
        FieldError(
            "target.definition.offer",
            "identifier_incomplete",
            "required when any of publisher, offer, sku is given (they identify the definition together)",
        ),
    ),
]


@pytest.mark.parametrize(("document", "expected"), [(d, e) for _, d, e in CASES], ids=[c[0] for c in CASES])
def test_single_rule_reports_field_rule_and_text(document: dict[str, Any], expected: FieldError) -> None:
    errors = errors_of(document)
    assert errors[0] == expected


def test_incomplete_identifier_names_each_missing_part() -> None:
    document = with_target(gallery_request(), definition=definition(sku="22_04-lts"))
    assert [e.field for e in errors_of(document)] == [
        "target.definition.publisher",
        "target.definition.offer",
    ]


def test_end_of_life_relative_to_the_given_clock() -> None:
    document = with_target(gallery_request(), end_of_life=(NOW + timedelta(seconds=1)).isoformat())
    assert BuildRequest.parse_obj_strict(document, now=NOW).target.end_of_life is not None  # type: ignore[union-attr]
    with pytest.raises(RequestValidationError):
        BuildRequest.parse_obj_strict(document, now=NOW + timedelta(seconds=1))


def test_shallow_replication_needs_one_lrs_replica_everywhere() -> None:
    document = with_target(
        gallery_request(),
        replication=replication(
            mode="Shallow",
            replica_count=2,
            storage_account_type="Standard_ZRS",
            target_regions=[
                {"name": "westus", "replica_count": 1},
                {"name": "eastus", "replica_count": 5, "storage_account_type": "PremiumV2_LRS"},
            ],
        ),
    )
    assert errors_of(document) == [
        FieldError(
            "target.replication.replica_count",
            "shallow_replica_count",
            "must be 1 with Shallow replication, got 2",
        ),
        FieldError(
            "target.replication.target_regions[1].replica_count",
            "shallow_replica_count",
            "must be 1 with Shallow replication, got 5",
        ),
        FieldError(
            "target.replication.storage_account_type",
            "shallow_storage_type",
            "must be Standard_LRS or Premium_LRS with Shallow replication, got 'Standard_ZRS'",
        ),
        FieldError(
            "target.replication.target_regions[1].storage_account_type",
            "shallow_storage_type",
            "must be Standard_LRS or Premium_LRS with Shallow replication, got 'PremiumV2_LRS'",
        ),
    ]


def test_shallow_replication_within_limits_is_accepted() -> None:
    document = with_target(
        gallery_request(),
        replication=replication(
            mode="Shallow",
            storage_account_type="Premium_LRS",
            target_regions=[{"name": "westus", "replica_count": 1}],
        ),
    )
    assert BuildRequest.parse_obj_strict(document, now=NOW).target.replication.mode == "Shallow"  # type: ignore[union-attr]


def test_full_replication_allows_many_replicas_and_zrs() -> None:
    document = with_target(
        gallery_request(),
        replication=replication(
            replica_count=100,
            storage_account_type="Standard_ZRS",
            target_regions=[{"name": "westus", "replica_count": 100}],
        ),
    )
    assert BuildRequest.parse_obj_strict(document, now=NOW).target.replication.replica_count == 100  # type: ignore[union-attr]


def test_specialized_image_cannot_be_a_managed_image() -> None:
    assert one_error(managed_image_request(generalize="none")) == FieldError(
        "generalize",
        "specialized_managed_image",
        "'none' (a specialized image) needs a gallery target: a managed image can only be captured from a "
        "generalized VM",
    )


@pytest.mark.parametrize("generalize", ["deprovision", "already_deprovisioned"])
def test_specialized_definition_conflicts_with_generalizing(generalize: str) -> None:
    document = with_target(
        gallery_request(generalize=generalize), definition=definition(os_state="Specialized")
    )
    assert one_error(document) == FieldError(
        "target.definition.os_state",
        "os_state_conflict",
        f"'Specialized' contradicts generalize '{generalize}', which produces a generalized image; use "
        "generalize 'none' for a specialized image",
    )


def test_generalized_definition_conflicts_with_no_generalize() -> None:
    document = with_target(gallery_request(generalize="none"), definition=definition(os_state="Generalized"))
    assert one_error(document) == FieldError(
        "target.definition.os_state",
        "os_state_conflict",
        "'Generalized' contradicts generalize 'none', which keeps the VM specialized; use generalize "
        "'deprovision' or 'already_deprovisioned'",
    )


def test_restart_after_capture_needs_a_specialized_build_and_no_delete() -> None:
    document = gallery_request(restart_source_after_capture=True, delete_source_vm=True)
    assert errors_of(document) == [
        FieldError(
            "restart_source_after_capture",
            "restart_needs_specialized",
            "can only be true with generalize 'none': a generalized VM can never start again",
        ),
        FieldError(
            "restart_source_after_capture",
            "restart_and_delete",
            "cannot be true together with delete_source_vm",
        ),
    ]


def test_non_object_document() -> None:
    assert one_error(["not", "a", "request"]) == FieldError(
        "body", "type", "must be a JSON object, got an array"
    )


def test_region_names_are_matched_whole() -> None:
    from imagefactory.regions import is_region_name, normalize_region

    assert is_region_name(normalize_region("West US 2"))
    assert not is_region_name("westus\n")  # `$` would have let a trailing newline through
    assert not is_region_name("west-us")
