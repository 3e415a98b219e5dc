"""Orchestrator `build_image`: one prepared VM in, one verified image out.

inspect VM + target (read-only) -> plan (pure; blockers fail here, nothing touched)
  -> [deprovision -> deallocate]  ||  [gallery -> definition]      (two sub-orchestrations)
  -> generalize -> capture (version from the VM / managed image)
  -> watch replication (sub-orchestration, returns when replication is over) -> verify
  -> delete the VM (asked + verified + opt-in tag) or restart it (specialized re-capture)
  -> result document -> result message.

Activities only start operations or read state; every wait is a durable timer here. Input: the
BuildRequest as JSON. Output: the BuildResult document (imagefactory.result).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from imagefactory.exceptions import VersionPolicyError
from imagefactory.gateway.facts import ImageFacts, VersionFacts, VmFacts
from imagefactory.messages import result_message
from imagefactory.plan import BuildPlan, TargetState, make_plan, retarget_version
from imagefactory.replication import ReplicationWatch
from imagefactory.request import BuildRequest, GalleryTarget, VersionPolicy
from imagefactory.result import (
    POINT_OF_NO_RETURN,
    BuildResult,
    DataDiskResult,
    ErrorInfo,
    Publication,
    RegionResult,
    VmOutcome,
    summarize,
)
from imagefactory.settings import Settings
from orchestrators.calls import (
    PhaseDeadline,
    Steps,
    call_step,
    poll_until,
    provisioned,
    race_deadline,
    wait_interval,
)
from orchestrators.errors import PipelineStepError, StepFailedError
from orchestrators.registry import orchestrator
from orchestrators.replication_monitor import region_status
from orchestrators.timeline import Timeline

# A policy-picked version lost to a concurrent build is re-picked at most this many times.
VERSION_RACE_ATTEMPTS = 10
# What Azure (PUT over a version from another source) and the gateway (read before create) answer.
_VERSION_TAKEN_CODES = frozenset({"Conflict", "PropertyChangeNotAllowed"})


class _Build:
    """Mutable facts of one build run, turned into the result at the end."""

    def __init__(self, context: Any, request: BuildRequest, cfg: Settings) -> None:
        self.context = context
        self.request = request
        self.cfg = cfg
        self.build_id: str = context.instance_id
        self.timeline = Timeline(self.build_id, context.current_utc_datetime)
        self.vm: VmFacts | None = None
        self.plan: BuildPlan | None = None
        self.errors: list[ErrorInfo] = []
        self.notes: list[str] = []
        self.deprovisioned = False
        self.generalized = False
        self.deallocated = False
        self.created: list[str] = []
        self.replaced: list[str] = []
        self.deleted = False
        self.restarted = False
        self.image_exists = False
        self.verified = False
        self.regions: dict[str, RegionResult] = {}
        self.version: VersionFacts | None = None
        self.image: ImageFacts | None = None

    @property
    def now(self) -> Any:
        return self.context.current_utc_datetime

    def begin(self, phase: str) -> None:
        self.timeline.begin(phase, self.now)
        self.timeline.publish(self.context)

    def end(self, phase: str) -> None:
        self.timeline.end(phase, self.now)

    def fail(self, error: PipelineStepError | dict[str, Any]) -> None:
        info = error.to_dict() if isinstance(error, PipelineStepError) else error
        self.errors.append(ErrorInfo.model_validate(info))


@orchestrator
def build_image(context: Any) -> Steps:
    request = BuildRequest.model_validate(context.get_input())
    settings_json = yield context.call_activity("load_pipeline_settings", None)
    cfg = Settings.model_validate(settings_json)
    build = _Build(context, request, cfg)
    try:
        yield from _run(build)
    except PipelineStepError as error:
        build.fail(error)
    build.timeline.close_open(build.now)
    result = _result(build)
    build.begin("report")
    published = yield from _publish_result(build, result)
    build.end("report")
    final = result.model_copy(update={"published": published, "phases": build.timeline.phases})
    build.timeline.current = "done"
    build.timeline.publish(context, final.status)
    return final.model_dump(mode="json")


def _run(build: _Build) -> Steps:
    context, cfg, request = build.context, build.cfg, build.request
    vm_id = request.source
    build.begin("inspect")
    vm_raw = yield from call_step(context, cfg, "inspect", "read_vm", {"vm_id": vm_id})
    build.vm = VmFacts.model_validate(vm_raw) if vm_raw is not None else None
    if build.vm is not None:
        build.generalized = build.vm.generalized
        build.deallocated = build.vm.power_state == "deallocated"
    state_raw = yield from call_step(
        context, cfg, "inspect", "read_target", {"request": request.model_dump(mode="json")}
    )
    plan = make_plan(
        request,
        build.vm,
        TargetState.model_validate(state_raw),
        build_id=build.build_id,
        today=build.now.date(),
        delete_opt_in_tag=cfg.delete_opt_in_tag,
    )
    build.plan = plan
    build.notes.extend(plan.notes)
    build.timeline.target = plan.image_id
    build.regions = {
        r.name: RegionResult(
            name=r.name, replica_count=r.replica_count, storage_account_type=r.storage_account_type
        )
        for r in plan.target_regions
    }
    # Regions appear in the build's status from the start (state pending), not only once replication
    # is watched, so an operator sees the whole plan at once.
    build.timeline.regions = list(build.regions.values())
    build.end("inspect")
    if not plan.ok:
        for blocker in plan.blockers:
            build.errors.append(ErrorInfo(phase="inspect", code=blocker.rule, message=str(blocker)))
        return None

    if not plan.adopt:
        yield from _prepare(build, plan)
        if plan.generalize:
            build.begin("generalize")
            yield from call_step(context, cfg, "generalize", "generalize_vm", {"vm_id": vm_id})
            build.generalized = True
            build.end("generalize")
        yield from _capture(build, plan)
        plan = build.plan or plan  # a lost version race moves the build to another version
    build.image_exists = True
    if plan.target_kind == "gallery":
        yield from _replicate(build, plan)
    yield from _verify(build, plan)
    if plan.delete_vm and build.verified:
        yield from _delete_vm(build, plan)
    elif plan.restart_vm:
        yield from _restart_vm(build)
    return None


def _prepare(build: _Build, plan: BuildPlan) -> Steps:
    """VM branch and target branch in parallel (task_all), each bounded by its phase timeout."""
    context, cfg = build.context, build.cfg
    settings_json = cfg.model_dump(mode="json")
    tasks = []
    vm_branch = plan.deprovision is not None or plan.deallocate
    if vm_branch:
        build.begin("prepare")
        tasks.append(
            context.call_sub_orchestrator(
                "prepare_source_vm",
                {
                    "vm_id": plan.source_vm_id,
                    "deprovision": plan.deprovision,
                    "deallocate": plan.deallocate,
                    "settings": settings_json,
                },
                f"{build.build_id}:vm",
            )
        )
    if plan.target_kind == "gallery":
        tasks.append(
            context.call_sub_orchestrator(
                "ensure_gallery_target",
                {
                    "gallery_id": plan.gallery_id,
                    "definition_id": plan.definition_id,
                    "create_gallery": plan.create_gallery,
                    "create_definition": plan.create_definition,
                    "settings": settings_json,
                },
                f"{build.build_id}:target",
            )
        )
    if not tasks:
        return None
    bound = cfg.timeout_deprovision_seconds + cfg.timeout_deallocate_seconds + cfg.timeout_target_seconds
    reports = yield from race_deadline(
        context,
        context.task_all(tasks),
        build.now + timedelta(seconds=bound + cfg.operation_poll_seconds),
        phase="prepare",
        timeout_seconds=bound,
        setting="IMAGEFACTORY_TIMEOUT_DEPROVISION/DEALLOCATE/TARGET_SECONDS",
    )
    if vm_branch:
        build.end("prepare")
        build.timeline.phases = [p for p in build.timeline.phases if p.name != "prepare"]
    for report in reports:
        build.timeline.add(report.get("phases") or [])
        if "deallocated" in report:
            build.deallocated = build.deallocated or bool(report.get("deallocated"))
            build.deprovisioned = build.deprovisioned or bool(report.get("deprovisioned"))
        build.created.extend(report.get("created") or [])
    failures = [report["error"] for report in reports if not report.get("ok")]
    if failures:
        for failure in failures[1:]:
            build.fail(failure)
        first = failures[0]
        raise StepFailedError(first["phase"], first["code"], first["message"])
    return None


def _capture(build: _Build, plan: BuildPlan) -> Steps:
    context, cfg = build.context, build.cfg
    build.begin("capture")
    if plan.target_kind == "gallery":
        if plan.replace_failed:
            yield from _delete_failed_version(build, plan.replace_failed)
        yield from _create_version(build, plan)
    else:
        deadline = PhaseDeadline.after(build.now, cfg, "timeout_capture_seconds")
        started = yield from call_step(
            context,
            cfg,
            "capture",
            "start_create_image",
            {"image_id": plan.image_id, "body": plan.capture_body, "source_vm_id": plan.source_vm_id},
        )
        yield from poll_until(
            context,
            cfg,
            phase="capture",
            name="read_image",
            payload={"image_id": plan.image_id},
            done=provisioned("capture", f"managed image {plan.image_id}"),
            interval=wait_interval(cfg, started.get("retry_after")),
            deadline=deadline,
        )
    build.end("capture")


def _delete_failed_version(build: _Build, version_id: str) -> Steps:
    """Remove the Failed version an earlier attempt made from this VM, so it can be made again."""
    context, cfg = build.context, build.cfg
    deadline = PhaseDeadline.after(build.now, cfg, "timeout_capture_seconds")
    started = yield from call_step(
        context,
        cfg,
        "capture",
        "start_delete_failed_version",
        {"version_id": version_id, "source_id": build.request.source},
    )
    if started.get("already") != "gone":
        yield from poll_until(
            context,
            cfg,
            phase="capture",
            name="read_version",
            payload={"version_id": version_id},
            done=lambda version: version is None,
            interval=wait_interval(cfg, started.get("retry_after")),
            deadline=deadline,
        )
    build.replaced.append(version_id)


def _create_version(build: _Build, plan: BuildPlan) -> Steps:
    """Create the version; when a policy-picked name was taken meanwhile, re-read and re-pick.

    Optimistic concurrency: builds of one sweep into one definition pick the same next version,
    and the store (Azure) decides who gets it. A version named explicitly is never re-picked.
    """
    context, cfg, request = build.context, build.cfg, build.request
    attempt = 1
    while True:
        try:
            yield from call_step(
                context,
                cfg,
                "capture",
                "start_create_version",
                {"version_id": plan.image_id, "body": plan.capture_body, "source_id": plan.source_vm_id},
            )
            return None
        except StepFailedError as error:
            if not _lost_version_race(request, error) or attempt >= VERSION_RACE_ATTEMPTS:
                if error.code in _VERSION_TAKEN_CODES and attempt > 1:
                    error.message += f" (gave up after {attempt} versions were taken by other builds)"
                raise
        state_raw = yield from call_step(
            context, cfg, "capture", "read_target", {"request": request.model_dump(mode="json")}
        )
        try:
            plan = retarget_version(
                plan,
                request,
                TargetState.model_validate(state_raw),
                taken=str(plan.version),
                today=build.now.date(),
            )
        except VersionPolicyError as policy_error:
            raise StepFailedError("capture", "VersionPolicy", str(policy_error)) from None
        build.plan = plan
        build.notes.append(plan.notes[-1])
        build.timeline.target = plan.image_id
        build.timeline.publish(context)
        if plan.adopt:
            return None
        attempt += 1


def _lost_version_race(request: BuildRequest, error: StepFailedError) -> bool:
    target = request.target
    return (
        error.code in _VERSION_TAKEN_CODES
        and isinstance(target, GalleryTarget)
        and isinstance(target.version, VersionPolicy)
    )


def _replicate(build: _Build, plan: BuildPlan) -> Steps:
    context, cfg, request = build.context, build.cfg, build.request
    build.begin("replication")
    deadline = build.now + timedelta(seconds=cfg.timeout_replication_seconds)
    monitor_input: dict[str, Any] = {
        "build_id": build.build_id,
        "correlation_id": request.correlation_id,
        "version_id": plan.image_id,
        "regions": [r.model_dump(mode="json") for r in plan.target_regions],
        "settings": cfg.model_dump(mode="json"),
        "deadline": deadline.isoformat(),
        "region_ready_messages": request.report.region_ready_messages,
        "queue": request.report.results_queue or cfg.results_queue,
        "watch": None,
        "notes": [],
    }
    child_id = f"{build.build_id}:replication"
    build.timeline.monitor_instance_id = child_id
    build.timeline.publish(context)
    outcome = yield from race_deadline(
        context,
        context.call_sub_orchestrator("watch_replication", monitor_input, child_id),
        deadline + timedelta(seconds=cfg.replication_poll_max_seconds + cfg.operation_poll_seconds),
        phase="replication",
        timeout_seconds=cfg.timeout_replication_seconds,
        setting="IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS",
    )
    _mirror_regions(build, outcome["watch"])
    if outcome.get("version"):
        build.version = VersionFacts.model_validate(outcome["version"])
    build.notes.extend(outcome.get("notes") or [])
    build.end("replication")
    if outcome["outcome"] == "timed_out":
        raise StepFailedError(
            "replication",
            "PhaseTimeout",
            f"replication did not finish within {cfg.timeout_replication_seconds} s "
            "(IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS)",
        )
    if outcome["outcome"] != "completed":
        error = outcome.get("error") or {}
        raise StepFailedError("replication", str(error.get("code")), str(error.get("message")))


def _mirror_regions(build: _Build, watch_json: dict[str, Any]) -> None:
    for item in region_status_from(watch_json):
        current = build.regions.get(item["name"])
        if current is None:
            continue
        build.regions[item["name"]] = RegionResult.model_validate(
            {
                **current.model_dump(),
                "state": item["state"],
                "progress": item["progress"],
                "ready_at": item["ready_at"],
                "retries": item["retries"],
            }
        )
    build.timeline.regions = list(build.regions.values())


def region_status_from(watch_json: dict[str, Any]) -> list[dict[str, Any]]:
    return region_status(ReplicationWatch.model_validate(watch_json))


def _verify(build: _Build, plan: BuildPlan) -> Steps:
    """The image is verified when Azure says so now, not when the monitor last saw it."""
    context, cfg = build.context, build.cfg
    build.begin("verify")
    if plan.target_kind == "gallery":
        raw = yield from call_step(context, cfg, "verify", "read_version", {"version_id": plan.image_id})
        if raw is None:
            raise StepFailedError("verify", "ResourceNotFound", f"version {plan.image_id} does not exist")
        version = VersionFacts.model_validate(raw)
        build.version = version
        states = {r.region: r for r in (version.replication.regions if version.replication else [])}
        missing = [
            name for name in build.regions if states.get(name) is None or states[name].state != "Completed"
        ]
        for name, region in states.items():
            if name in build.regions:
                build.regions[name] = build.regions[name].model_copy(
                    update={"state": region.state, "progress": region.progress}
                )
        build.timeline.regions = list(build.regions.values())
        if (version.provisioning_state or "").lower() != "succeeded" or missing:
            raise StepFailedError(
                "verify",
                "NotVerified",
                f"version {version.name} is {version.provisioning_state}; not Completed in: "
                f"{', '.join(missing) or 'none'}",
            )
    else:
        raw = yield from call_step(context, cfg, "verify", "read_image", {"image_id": plan.image_id})
        image = ImageFacts.model_validate(raw) if raw is not None else None
        build.image = image
        if image is None or (image.provisioning_state or "").lower() != "succeeded":
            state = image.provisioning_state if image else "missing"
            raise StepFailedError("verify", "NotVerified", f"managed image {plan.image_id} is {state}")
    build.verified = True
    build.end("verify")


def _delete_vm(build: _Build, plan: BuildPlan) -> Steps:
    """The only deletion of a VM: asked (plan.delete_vm), opt-in tag (plan blocker), verified here;
    the activity re-checks tag and image against Azure at the moment it deletes."""
    context, cfg = build.context, build.cfg
    if not (plan.delete_vm and build.request.delete_source_vm and build.verified and plan.ok):
        raise StepFailedError("cleanup", "DeletionNotAllowed", "source VM kept: the image is not verified")
    build.begin("cleanup")
    vm_id = build.request.source
    deadline = PhaseDeadline.after(build.now, cfg, "timeout_cleanup_seconds")
    started = yield from call_step(
        context,
        cfg,
        "cleanup",
        "start_delete_source_vm",
        {"vm_id": vm_id, "image_id": plan.image_id, "regions": list(build.regions)},
    )
    if started.get("already") != "gone":
        yield from poll_until(
            context,
            cfg,
            phase="cleanup",
            name="read_vm",
            payload={"vm_id": vm_id},
            done=lambda vm: vm is None,
            interval=wait_interval(cfg, started.get("retry_after")),
            deadline=deadline,
        )
    build.deleted = True
    build.end("cleanup")


def _restart_vm(build: _Build) -> Steps:
    context, cfg = build.context, build.cfg
    build.begin("cleanup")
    vm_id = build.request.source
    deadline = PhaseDeadline.after(build.now, cfg, "timeout_cleanup_seconds")
    started = yield from call_step(context, cfg, "cleanup", "start_vm", {"vm_id": vm_id})
    yield from poll_until(
        context,
        cfg,
        phase="cleanup",
        name="read_vm",
        payload={"vm_id": vm_id},
        done=lambda vm: vm is not None and vm.get("power_state") == "running",
        interval=wait_interval(cfg, started.get("retry_after")),
        deadline=deadline,
    )
    build.restarted = True
    build.deallocated = False
    build.end("cleanup")


def _vm_outcome(build: _Build) -> VmOutcome:
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


def _data_disks(build: _Build) -> list[DataDiskResult]:
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


def _result(build: _Build) -> BuildResult:
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


def _publish_result(build: _Build, result: BuildResult) -> Steps:
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
