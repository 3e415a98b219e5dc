"""The plan decides every step before anything is written; incompatibilities become blockers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from imagefactory.compatibility import security_accepts
from imagefactory.exceptions import VersionPolicyError
from imagefactory.gateway.facts import DefinitionFacts, GalleryFacts, VersionFacts, VmFacts
from imagefactory.plan import BUILD_TAG, TargetState, make_plan, retarget_version
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


def _taken(name: str, source: str, **tags: str) -> VersionFacts:
    return VersionFacts(
        id=f"{DEF_ID}/versions/{name}", name=name, location="westeurope", source_vm_id=source, tags=tags
    )


def test_lost_version_race_moves_to_the_next_free_version_past_the_taken_one() -> None:
    request = _request(target={"version": {"policy": "next_patch"}})
    plan = _plan(request, _vm(), _existing(_definition()))
    assert plan.version == "1.0.0"
    # the winner's 1.0.0 is not listed yet (eventual consistency): the taken name still counts
    again = retarget_version(plan, request, _existing(_definition()), taken="1.0.0", today=date(2026, 1, 1))
    assert (again.version, again.adopt) == ("1.0.1", False)
    assert again.image_id == f"{DEF_ID}/versions/1.0.1"
    assert again.capture_body == plan.capture_body
    assert again.notes[-1] == (
        "version 1.0.0 was taken by another build while this one prepared its VM; "
        "next_patch picked 1.0.1 instead"
    )
    state = _existing(_definition(), [_taken("1.0.0", "vm-a"), _taken("1.0.1", "vm-b")])
    third = retarget_version(again, request, state, taken="1.0.1", today=date(2026, 1, 1))
    assert third.version == "1.0.2"


def test_lost_version_race_adopts_the_version_this_build_already_made() -> None:
    request = _request(target={"version": {"policy": "date"}})
    plan = _plan(request, _vm(), _existing(_definition()))
    mine = _taken("2026.101.1", VM_ID, **{BUILD_TAG: "b1"})
    state = _existing(_definition(), [_taken("2026.101.0", "vm-a"), mine])
    again = retarget_version(plan, request, state, taken="2026.101.0", today=date(2026, 1, 1))
    assert (again.version, again.adopt, again.capture_body) == ("2026.101.1", True, None)
    assert [step.step for step in again.steps if step.step in {"adopt", "capture"}] == ["adopt"]


def test_explicit_version_is_never_re_picked() -> None:
    request = _request(target={"version": "1.0.0"})
    plan = _plan(request, _vm(), _existing(_definition()))
    with pytest.raises(VersionPolicyError, match=r"version 1\.0\.0 was named explicitly"):
        retarget_version(plan, request, _existing(_definition()), taken="1.0.0", today=date(2026, 1, 1))


def _failed_version(source: str, *region_states: str) -> VersionFacts:
    return VersionFacts.model_validate(
        {
            "id": f"{DEF_ID}/versions/1.0.0",
            "name": "1.0.0",
            "location": "westeurope",
            "provisioning_state": "Failed",
            "source_vm_id": source,
            "replication": {"regions": [{"region": "westeurope", "state": s} for s in region_states]},
        }
    )


def test_own_failed_version_from_this_vm_is_planned_for_replacement() -> None:
    state = _existing(_definition(), [_failed_version(VM_ID, "Completed")])
    plan = _plan(_request(rebuild_failed=True), _vm(generalized=True, power_state="deallocated"), state)
    assert plan.ok and not plan.adopt
    assert plan.replace_failed == f"{DEF_ID}/versions/1.0.0"
    assert plan.capture_body is not None
    steps = [step.step for step in plan.steps]
    assert steps.index("delete_failed_version") < steps.index("capture")


def test_region_failure_is_adopted_and_re_driven_not_replaced() -> None:
    state = _existing(_definition(), [_failed_version(VM_ID, "Failed")])
    plan = _plan(_request(rebuild_failed=True), _vm(generalized=True, power_state="deallocated"), state)
    assert plan.adopt and plan.replace_failed is None


def test_failed_version_from_another_source_is_never_replaced() -> None:
    other = VM_ID.replace("/vm1", "/vm2")
    state = _existing(_definition(), [_failed_version(other, "Completed")])
    plan = _plan(_request(rebuild_failed=True), _vm(), state)
    assert plan.replace_failed is None
    assert [(b.field, b.rule) for b in plan.blockers] == [("target.version", "version_exists")]


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"imagefactory-allow-delete": "true"}, True),
        ({"ImageFactory-Allow-Delete": "TRUE"}, True),  # what the door accepts, the plan accepts
        ({"imagefactory-allow-delete": " true "}, True),
        ({"imagefactory-allow-delete": "yes"}, False),
        ({"imagefactory-allow-delete": ""}, False),
        ({"owner": "ci"}, False),
    ],
)
def test_plan_reads_the_opt_in_tag_with_the_doors_rule(tags: dict[str, str], allowed: bool) -> None:
    from imagefactory.opt_in import carries_delete_opt_in

    plan = _plan(_request(delete_source_vm=True), _vm(tags=tags), _existing(_definition()))
    blocked = "delete_opt_in_missing" in [b.rule for b in plan.blockers]
    assert blocked is not allowed
    assert carries_delete_opt_in(tags, "imagefactory-allow-delete") is allowed
