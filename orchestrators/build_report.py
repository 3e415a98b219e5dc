"""Phase `report` of `build_image`: the BuildResult document and its results-queue message.

The result is assembled from the build's facts whatever happened, so a failed build still says
what was created, what the VM was left as and where the point of no return was. A message that
cannot be sent is reported in the result (`published`), never fails the build.
"""

from __future__ import annotations

from typing import Literal

from imagefactory.messages import result_message
from imagefactory.request import GalleryTarget
from imagefactory.result import (
    POINT_OF_NO_RETURN,
    BuildResult,
    DataDiskResult,
    Publication,
    VmOutcome,
    summarize,
)
from orchestrators.build_state import Build
from orchestrators.calls import Steps, call_step
from orchestrators.errors import PipelineStepError


def _vm_outcome(build: Build) -> VmOutcome:
    if build.deleted:
        fate = "deleted"
    elif build.restarted:
        fate = "restarted"
    elif build.generalized:
        fate = "kept, generalized"
    else:
        fate = "kept"
    return VmOutcome(
        id=build.request.source,
        fate=fate,  # type: ignore[arg-type]
        deprovisioned=build.deprovisioned,
        generalized=build.generalized,
        deallocated=build.deallocated and not build.deleted,
        point_of_no_return=POINT_OF_NO_RETURN if build.generalized else None,
    )


def _data_disks(build: Build) -> list[DataDiskResult]:
    sizes = {disk.lun: disk.size_gb for disk in (build.vm.data_disks if build.vm else [])}
    if build.version is not None:
        luns = build.version.data_disk_luns
    elif build.image is not None:
        luns = build.image.data_disk_luns
    else:
        luns = []
    return [DataDiskResult(lun=lun, size_gb=sizes.get(lun)) for lun in luns]


def _short_name(resource_id: str) -> str:
    """"gallery gal01" / "definition ubuntu-base" for a created resource id."""
    parts = resource_id.rstrip("/").split("/")
    kind = {"galleries": "gallery", "images": "definition"}.get(parts[-2].lower(), parts[-2])
    return f"{kind} {parts[-1]}"


def build_result(build: Build) -> BuildResult:
    plan = build.plan
    request = build.request
    status: Literal["Succeeded", "Failed"] = "Succeeded" if not build.errors and build.verified else "Failed"
    target_kind: Literal["gallery", "managed_image"] = (
        "gallery" if isinstance(request.target, GalleryTarget) else "managed_image"
    )
    vm = _vm_outcome(build)
    regions = list(build.regions.values())
    version = plan.version if plan else None
    image_id = plan.image_id if plan else None
    storage = (
        request.target.replication.storage_account_type if isinstance(request.target, GalleryTarget) else None
    )
    return BuildResult(
        build_id=build.build_id,
        correlation_id=request.correlation_id,
        status=status,
        summary=summarize(
            status=status,
            target_kind=target_kind,
            image_id=image_id,
            version=version,
            image_exists=build.image_exists,
            regions=regions,
            vm=vm,
            errors=build.errors,
            created=[_short_name(resource_id) for resource_id in build.created],
        ),
        target_kind=target_kind,
        image_id=image_id,
        version=version,
        adopted=bool(plan and plan.adopt),
        source_vm_id=request.source,
        location=plan.location if plan else None,
        replication_mode=plan.replication_mode if plan else None,
        storage_account_type=storage,
        regions=regions,
        data_disks=_data_disks(build),
        phases=build.timeline.phases,
        vm=vm,
        created=build.created,
        replaced=build.replaced,
        errors=build.errors,
        notes=build.notes,
        started_at=build.timeline.started_at,
        finished_at=build.now,
    )


def publish_result(build: Build, result: BuildResult) -> Steps:
    queue = build.request.report.results_queue or build.cfg.results_queue
    message = result_message(result)
    try:
        value = yield from call_step(
            build.context, build.cfg, "report", "publish_queue_message", {"queue": queue, "message": message}
        )
    except PipelineStepError as error:
        return Publication(published=False, queue=queue, reason=f"not published: {error.message}")
    publication = Publication.model_validate(value)
    if not publication.published:
        return publication.model_copy(update={"queue": queue})
    return publication
