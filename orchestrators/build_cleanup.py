"""Phase `cleanup` of `build_image`: the source VM's fate once the image is verified.

The VM is deleted (asked, opt-in tag, image verified) or, for a specialized re-capture, started
again; otherwise it is kept as it is. Nothing else in the pipeline deletes a VM.
"""

from __future__ import annotations

from imagefactory.plan import BuildPlan
from orchestrators.build_state import Build
from orchestrators.calls import PhaseDeadline, Steps, call_step, poll_until, wait_interval
from orchestrators.errors import StepFailedError


def delete_vm(build: Build, plan: BuildPlan) -> Steps:
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


def restart_vm(build: Build) -> Steps:
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
