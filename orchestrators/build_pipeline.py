"""Orchestrator `build_image`: one prepared VM in, one verified image out.

inspect VM + target (read-only) -> plan (pure; blockers fail here, nothing touched)
  -> [deprovision -> deallocate]  ||  [gallery -> definition]      (two sub-orchestrations)
  -> generalize -> capture (version from the VM / managed image)
  -> watch replication (sub-orchestration, returns when replication is over) -> verify
  -> delete the VM (asked + verified + opt-in tag) or restart it (specialized re-capture)
  -> result document -> result message.

Activities only start operations or read state; every wait is a durable timer here. Input: the
BuildRequest as JSON. Output: the BuildResult document (imagefactory.result).

This module is the sequence: inspect, plan, prepare and generalize are here; each later phase has
its own module (build_capture, build_replication for replication and verify, build_cleanup for the
VM's fate, build_report for the result), and build_state holds the facts they all record.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from imagefactory.gateway.facts import VmFacts
from imagefactory.plan import BuildPlan, TargetState, make_plan
from imagefactory.request import BuildRequest
from imagefactory.result import ErrorInfo, RegionResult
from imagefactory.settings import Settings
from orchestrators.build_capture import capture
from orchestrators.build_cleanup import delete_vm, restart_vm
from orchestrators.build_replication import replicate, verify
from orchestrators.build_report import build_result, publish_result
from orchestrators.build_state import Build
from orchestrators.calls import Steps, call_step, race_deadline
from orchestrators.errors import PipelineStepError, StepFailedError
from orchestrators.registry import orchestrator


@orchestrator
def build_image(context: Any) -> Steps:
    request = BuildRequest.model_validate(context.get_input())
    settings_json = yield context.call_activity("load_pipeline_settings", None)
    cfg = Settings.model_validate(settings_json)
    build = Build(context, request, cfg)
    try:
        yield from _run(build)
    except PipelineStepError as error:
        build.fail(error)
    build.timeline.close_open(build.now)
    result = build_result(build)
    build.begin("report")
    published = yield from publish_result(build, result)
    build.end("report")
    final = result.model_copy(update={"published": published, "phases": build.timeline.phases})
    build.timeline.current = "done"
    build.timeline.publish(context, final.status)
    return final.model_dump(mode="json")


def _run(build: Build) -> Steps:
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
        yield from capture(build, plan)
        plan = build.plan or plan  # a lost version race moves the build to another version
    build.image_exists = True
    if plan.target_kind == "gallery":
        yield from replicate(build, plan)
    yield from verify(build, plan)
    if plan.delete_vm and build.verified:
        yield from delete_vm(build, plan)
    elif plan.restart_vm:
        yield from restart_vm(build)
    return None


def _prepare(build: Build, plan: BuildPlan) -> Steps:
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
