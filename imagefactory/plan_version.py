"""Which version a gallery build makes: named, adopted, replaced or picked by policy.

A build re-run after a crash must find its own earlier version (tagged with its build id) instead
of making a second one, and a version name taken by another source is a blocker before the VM is
touched. `retarget_version` is the same choice made again when a concurrent build won the name.
"""

from __future__ import annotations

from datetime import date

from imagefactory.exceptions import VersionPolicyError
from imagefactory.gateway.facts import VersionFacts
from imagefactory.plan_document import BUILD_TAG, BuildPlan, PlanIssue, TargetState, planned_steps
from imagefactory.request import BuildRequest, GalleryTarget
from imagefactory.versioning import next_version


def resolve_version(
    request: BuildRequest,
    target: GalleryTarget,
    state: TargetState,
    build_id: str,
    today: date,
    blockers: list[PlanIssue],
) -> tuple[str | None, bool]:
    source_key = request.source.lower()
    if isinstance(target.version, str):
        existing = next((v for v in state.versions if v.name == target.version), None)
        if existing is None:
            return target.version, False
        found = (existing.source or "").lower()
        if found == source_key:
            return target.version, True
        blockers.append(
            PlanIssue(
                field="target.version",
                rule="version_exists",
                message=f"version {target.version} already exists with another source "
                f"({existing.source or 'unknown'})",
            )
        )
        return target.version, False
    mine = [v for v in state.versions if v.tags.get(BUILD_TAG) == build_id]
    if mine:
        return mine[0].name, (mine[0].source_vm_id or "").lower() == source_key
    try:
        return next_version(target.version, [v.name for v in state.versions], today), False
    except VersionPolicyError as error:
        blockers.append(PlanIssue(field="target.version", rule="version_policy", message=str(error)))
        return None, False


def failed_by_itself(version: VersionFacts) -> bool:
    """Failed, and not because a region's replication failed (that is re-driven, not replaced).

    Unknown replication status counts as a region failure: deleting is the one irreversible
    choice, so it needs the evidence.
    """
    if (version.provisioning_state or "").lower() != "failed" or version.replication is None:
        return False
    return not any(region.state.lower() == "failed" for region in version.replication.regions)


def retarget_version(
    plan: BuildPlan, request: BuildRequest, state: TargetState, *, taken: str, today: date
) -> BuildPlan:
    """The plan after another build took the version our policy picked (optimistic concurrency).

    Builds of one rollout sweep start together and read the same versions, so their policy picks
    the same name and all but one lose the create with a conflict. The loser re-reads the versions
    (`state`) and moves to the next free name. If the version this build tagged turns out to exist
    after all (an earlier attempt of this build made it), that one is adopted instead. Raises
    VersionPolicyError when the policy has no next version (int32 limit, newer date version).
    """
    target = request.target
    if not isinstance(target, GalleryTarget) or isinstance(target.version, str):
        raise VersionPolicyError(f"version {taken} was named explicitly; another name is not picked for it")
    source_key = request.source.lower()
    definition_id = target.definition_id(request.source_vm)
    mine = next(
        (
            v
            for v in state.versions
            if v.tags.get(BUILD_TAG) == plan.build_id and (v.source_vm_id or "").lower() == source_key
        ),
        None,
    )
    if mine is not None:
        version, adopt = mine.name, True
        note = f"version {mine.name} was already made by this build: adopted"
    else:
        version = next_version(target.version, [v.name for v in state.versions] + [taken], today)
        adopt = False
        note = (
            f"version {taken} was taken by another build while this one prepared its VM; "
            f"{target.version.policy} picked {version} instead"
        )
    updated = plan.model_copy(
        update={
            "version": version,
            "image_id": str(definition_id.version(version)),
            "adopt": adopt,
            "capture_body": None if adopt else plan.capture_body,
            "notes": [*plan.notes, note],
        }
    )
    return updated.model_copy(update={"steps": planned_steps(updated, request)})
