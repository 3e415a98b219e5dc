"""The last check before a source VM is deleted: opt-in tag and a verified image, read just now."""

from __future__ import annotations

import pytest

from imagefactory.gateway.deletion import deletion_refusal
from imagefactory.gateway.facts import (
    ImageFacts,
    RegionReplication,
    ReplicationSummary,
    VersionFacts,
    VmFacts,
)

TAG = "imagefactory-allow-delete"


def _vm(**tags: str) -> VmFacts:
    return VmFacts(id="/x/virtualMachines/vm-01", name="vm-01", location="westeurope", tags=tags)


def _version(state: str = "Succeeded", **regions: str) -> VersionFacts:
    return VersionFacts(
        id="/x/versions/1.0.0",
        name="1.0.0",
        location="westeurope",
        provisioning_state=state,
        replication=ReplicationSummary(
            regions=[RegionReplication(region=name, state=value) for name, value in regions.items()]
        ),
    )


OPTED_IN = {TAG: "true"}


def test_verified_version_and_opt_in_allow_deletion() -> None:
    version = _version(westeurope="Completed", eastus="Completed")
    assert (
        deletion_refusal(_vm(**OPTED_IN), opt_in_tag=TAG, version=version, regions=["westeurope", "eastus"])
        is None
    )


@pytest.mark.parametrize(
    ("tags", "version", "regions", "expected"),
    [
        (
            {},
            _version(westeurope="Completed"),
            ["westeurope"],
            "does not carry the tag imagefactory-allow-delete=true",
        ),
        ({TAG: "false"}, _version(westeurope="Completed"), ["westeurope"], "does not carry the tag"),
        (OPTED_IN, None, ["westeurope"], "the image it became does not exist"),
        (
            OPTED_IN,
            _version("Updating", westeurope="Completed"),
            ["westeurope"],
            "is Updating, not Succeeded",
        ),
        (
            OPTED_IN,
            _version(westeurope="Completed", eastus="Failed"),
            ["westeurope", "eastus"],
            "not Completed in: eastus",
        ),
        (
            OPTED_IN,
            _version(westeurope="Completed"),
            ["westeurope", "japaneast"],
            "not Completed in: japaneast",
        ),
        (OPTED_IN, _version(), [], "not Completed in: any region"),
    ],
)
def test_deletion_is_refused_with_the_reason(
    tags: dict[str, str], version: VersionFacts | None, regions: list[str], expected: str
) -> None:
    refusal = deletion_refusal(_vm(**tags), opt_in_tag=TAG, version=version, regions=regions)
    assert refusal is not None and expected in refusal


def test_managed_image_must_have_succeeded() -> None:
    image = ImageFacts(id="/x/images/img-01", location="westeurope", provisioning_state="Creating")
    assert deletion_refusal(_vm(**OPTED_IN), opt_in_tag=TAG, image=image) == (
        "managed image img-01 is Creating, not Succeeded"
    )
    done = image.model_copy(update={"provisioning_state": "Succeeded"})
    assert deletion_refusal(_vm(**OPTED_IN), opt_in_tag=TAG, image=done) is None


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({TAG: "true"}, True),
        ({"ImageFactory-Allow-Delete": "True"}, True),  # the door's rule: name in any casing
        ({TAG: " TRUE "}, True),  # value trimmed, any casing
        ({TAG: "1"}, False),
        ({TAG: "true", "IMAGEFACTORY-ALLOW-DELETE": "false"}, False),  # every casing must consent
    ],
)
def test_delete_step_reads_the_opt_in_tag_with_the_doors_rule(tags: dict[str, str], allowed: bool) -> None:
    from imagefactory.scopes import AllowedScopes

    version = _version(westeurope="Completed")
    refusal = deletion_refusal(_vm(**tags), opt_in_tag=TAG, version=version, regions=["westeurope"])
    assert (refusal is None) is allowed
    door = AllowedScopes.parse("", delete_opt_in_tag=TAG).check_delete_opt_in(tags)
    assert (door is None) is allowed
