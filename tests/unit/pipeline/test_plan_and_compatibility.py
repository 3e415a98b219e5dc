"""The plan decides every step before anything is written; incompatibilities become blockers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from imagefactory.compatibility import security_accepts
from imagefactory.gateway.facts import DefinitionFacts, GalleryFacts, VersionFacts, VmFacts
from imagefactory.plan import BUILD_TAG, TargetState, make_plan
from imagefactory.request import BuildRequest
from imagefactory.result import RegionResult, VmOutcome, summarize

SUB = "00000000-0000-0000-0000-000000000000"
VM_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
DEF_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/gal/images/base"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _request(**overrides: Any) -> BuildRequest:
    target: dict[str, Any] = {
        "kind": "gallery",
        "gallery": {"resource_group": "rg", "name": "gal"},
        "definition": {"name": "base", "publisher": "p", "offer": "o", "sku": "s"},
        "version": "1.0.0",
    }
    target.update(overrides.pop("target", {}))
    return BuildRequest.parse_obj_strict({"source": VM_ID, "target": target, **overrides}, now=NOW)


def _vm(**overrides: Any) -> VmFacts:
    values: dict[str, Any] = {
        "id": VM_ID,
        "name": "vm1",
        "location": "westeurope",
        "os_type": "Linux",
        "power_state": "running",
        "hyper_v_generation": "V2",
    }
    values.update(overrides)
    return VmFacts(**values)


def _definition(**overrides: Any) -> DefinitionFacts:
    values: dict[str, Any] = {
        "id": DEF_ID,
        "location": "westeurope",
        "provisioning_state": "Succeeded",
        "os_type": "Linux",
        "os_state": "Generalized",
        "hyper_v_generation": "V2",
    }
    values.update(overrides)
    return DefinitionFacts(**values)


def _existing(definition: DefinitionFacts, versions: list[VersionFacts] | None = None) -> TargetState:
    gallery = GalleryFacts(
        id=DEF_ID.rsplit("/images", 1)[0], location="westeurope", provisioning_state="Succeeded"
    )
    return TargetState(gallery=gallery, definition=definition, versions=versions or [])


def _plan(request: BuildRequest, vm: VmFacts | None, state: TargetState) -> Any:
    return make_plan(request, vm, state, build_id="b1", today=date(2026, 1, 1))


def test_new_gallery_plan_creates_everything_and_adds_the_gallery_region() -> None:
    plan = _plan(
        _request(target={"replication": {"target_regions": [{"name": "eastus"}]}}), _vm(), TargetState()
    )
    assert plan.ok
    assert plan.create_gallery is not None and plan.create_definition is not None
    assert plan.create_definition["properties"]["features"] == [{"name": "SecurityType", "value": "Standard"}]
    assert [r.name for r in plan.target_regions] == ["westeurope", "eastus"]
    assert plan.deprovision == "Linux" and plan.deallocate and plan.generalize
    assert plan.capture_body["properties"]["storageProfile"]["source"]["virtualMachineId"] == VM_ID
    assert plan.capture_body["tags"][BUILD_TAG] == "b1"


def test_definition_with_other_os_type_blocks_the_build() -> None:
    plan = _plan(_request(), _vm(), _existing(_definition(os_type="Windows")))
    assert not plan.ok
    assert [b.rule for b in plan.blockers] == ["os_type_mismatch"]
    assert plan.steps[-1].step == "fail"


def test_specialized_request_against_generalized_definition_names_generalize() -> None:
    plan = _plan(_request(generalize="none"), _vm(), _existing(_definition()))
    assert [(b.field, b.rule) for b in plan.blockers] == [("generalize", "os_state_mismatch")]


def test_trusted_launch_vm_fits_trusted_launch_supported_but_not_standard() -> None:
    assert security_accepts("TrustedLaunchSupported", "TrustedLaunch")
    assert not security_accepts(None, "TrustedLaunch")
    plan = _plan(_request(), _vm(security_type="TrustedLaunch"), _existing(_definition()))
    assert [b.rule for b in plan.blockers] == ["security_type_mismatch"]


def test_existing_version_from_same_source_is_adopted_and_from_another_is_a_conflict() -> None:
    same = VersionFacts(
        id=f"{DEF_ID}/versions/1.0.0", name="1.0.0", location="westeurope", source_vm_id=VM_ID
    )
    plan = _plan(_request(), _vm(generalized=True), _existing(_definition(), [same]))
    assert plan.ok and plan.adopt and plan.capture_body is None and not plan.generalize
    other = same.model_copy(update={"source_vm_id": VM_ID.replace("vm1", "vm2")})
    blocked = _plan(_request(), _vm(), _existing(_definition(), [other]))
    assert [b.rule for b in blocked.blockers] == ["version_exists"]


def test_version_policy_picks_next_patch_and_deletion_needs_the_opt_in_tag() -> None:
    existing = [
        VersionFacts(id=f"{DEF_ID}/versions/{n}", name=n, location="westeurope", source_vm_id="x")
        for n in ("1.0.9", "1.0.10")
    ]
    plan = _plan(
        _request(target={"version": {"policy": "next_patch"}}, delete_source_vm=True),
        _vm(),
        _existing(_definition(), existing),
    )
    assert plan.version == "1.0.11"
    assert [b.rule for b in plan.blockers] == ["delete_opt_in_missing"]


def test_deprovision_of_a_deallocated_vm_is_refused_with_the_way_out() -> None:
    plan = _plan(_request(), _vm(power_state="deallocated"), TargetState())
    assert [b.rule for b in plan.blockers] == ["deprovision_needs_running_vm"]
    assert "already_deprovisioned" in plan.blockers[0].message


def test_summary_states_what_exists_and_the_vm_fate() -> None:
    text = summarize(
        status="Failed",
        target_kind="gallery",
        image_id=None,
        version="1.4.0",
        image_exists=True,
        regions=[
            RegionResult(name="westeurope", state="Failed"),
            RegionResult(name="eastus", state="Completed"),
        ],
        vm=VmOutcome(id=VM_ID, fate="kept, generalized", generalized=True),
        errors=[],
    )
    assert text == "version 1.4.0 exists, replication Failed in westeurope; source VM kept, generalized"
