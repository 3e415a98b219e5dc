"""What a stopped build reports as left behind: one sentence per resource, from facts read back."""

from __future__ import annotations

from imagefactory.gateway.facts import (
    GalleryFacts,
    ImageFacts,
    RegionReplication,
    ReplicationSummary,
    VersionFacts,
)
from imagefactory.inspection import Inspection, what_is_left
from imagefactory.plan import TargetState
from imagefactory.request import BuildRequest
from tests.unit.pipeline.test_plan_and_compatibility import (
    DEF_ID,
    NOW,
    SUB,
    VM_ID,
    _definition,
    _request,
    _vm,
)

GALLERY_ID = DEF_ID.rsplit("/images/", 1)[0]
VERSION_ID = f"{DEF_ID}/versions/1.0.0"


def test_gallery_build_stopped_during_replication() -> None:
    version = VersionFacts(
        id=VERSION_ID,
        name="1.0.0",
        location="westeurope",
        provisioning_state="Creating",
        replication=ReplicationSummary(
            regions=[
                RegionReplication(region="westeurope", state="Completed", progress=100),
                RegionReplication(region="eastus", state="Replicating", progress=35),
            ]
        ),
    )
    found = Inspection(
        vm=_vm(power_state="deallocated", generalized=True),
        target=TargetState(
            gallery=GalleryFacts(id=GALLERY_ID, location="westeurope"), definition=_definition()
        ),
        version=version,
    )
    assert what_is_left(_request(), found, image_id=VERSION_ID) == [
        f"VM {VM_ID} is deallocated and generalized: it can never start again; it was not deleted",
        f"gallery {GALLERY_ID} exists",
        f"image definition {DEF_ID} exists",
        f"image version {VERSION_ID} exists, provisioningState Creating, replication: "
        "westeurope Completed 100%, eastus Replicating 35%; it was kept",
    ]


def test_build_stopped_before_anything_was_made() -> None:
    found = Inspection(vm=_vm(), target=TargetState())
    assert what_is_left(_request(), found, image_id=None) == [
        f"VM {VM_ID} is running, not generalized; it was not deleted",
        f"gallery {GALLERY_ID} does not exist",
        f"image definition {DEF_ID} does not exist",
        "no image version was chosen yet",
    ]


def test_managed_image_build_and_a_vm_that_is_gone() -> None:
    request = BuildRequest.parse_obj_strict(
        {
            "source": VM_ID,
            "target": {"kind": "managed_image", "resource_group": "rg", "name": "img1"},
        },
        now=NOW,
    )
    image_id = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/img1"
    made = Inspection(
        vm=None,
        target=TargetState(
            image=ImageFacts(id=image_id, location="westeurope", provisioning_state="Creating")
        ),
    )
    assert what_is_left(request, made, image_id=None) == [
        f"VM {VM_ID} does not exist",
        f"managed image {image_id} exists, provisioningState Creating; it was kept",
    ]
    assert what_is_left(request, Inspection(vm=None, target=TargetState()), image_id=None)[1] == (
        f"managed image {image_id} does not exist"
    )
