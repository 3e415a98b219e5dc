"""Sub-orchestration `prepare_source_vm`: in-guest deprovision (when asked), then deallocate.

Runs in parallel with `ensure_gallery_target`. It never raises for Azure's answers: it returns
{"ok", "phases", "deprovisioned", "deallocated", "error"} so the build can say exactly what state
the VM was left in when the other branch, or this one, failed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from imagefactory.gateway.guest_commands import (
    LINUX_COMMAND_ID,
    WINDOWS_COMMAND_ID,
    WINDOWS_READ_IMAGE_STATE,
    deprovision_command,
    sysprep_finished,
)
from imagefactory.settings import Settings
from orchestrators.calls import PhaseDeadline, Steps, call_step, poll_until, wait_interval
from orchestrators.errors import PipelineStepError, StepFailedError
from orchestrators.registry import orchestrator
from orchestrators.timeline import Timeline


@orchestrator
def prepare_source_vm(context: Any) -> Steps:
    data: dict[str, Any] = context.get_input()
    cfg = Settings.model_validate(data["settings"])
    vm_id: str = data["vm_id"]
    timeline = Timeline(context.instance_id, context.current_utc_datetime)
    report: dict[str, Any] = {"ok": True, "deprovisioned": False, "deallocated": False, "error": None}
    try:
        if data.get("deprovision"):
            timeline.begin("deprovision", context.current_utc_datetime)
            yield from _deprovision(context, cfg, vm_id, str(data["deprovision"]))
            report["deprovisioned"] = True
            timeline.end("deprovision", context.current_utc_datetime)
        if data.get("deallocate"):
            timeline.begin("deallocate", context.current_utc_datetime)
            yield from _deallocate(context, cfg, vm_id)
            timeline.end("deallocate", context.current_utc_datetime)
        report["deallocated"] = True
    except PipelineStepError as error:
        report.update(ok=False, error=error.to_dict())
    timeline.close_open(context.current_utc_datetime)
    report["phases"] = [timing.model_dump(mode="json") for timing in timeline.phases]
    return report


def _run_command(
    context: Any, cfg: Settings, vm_id: str, command_id: str, script: list[str], deadline: PhaseDeadline
) -> Steps:
    """Start a run command and read its result after durable waits; returns the outcome dict."""
    started = yield from call_step(
        context,
        cfg,
        "deprovision",
        "start_run_command",
        {"vm_id": vm_id, "command_id": command_id, "script": script},
    )
    url = started.get("operation_url")
    if not url:
        raise StepFailedError(
            "deprovision", "NoOperationUrl", "Run Command returned no operation URL to read"
        )
    interval = wait_interval(cfg, started.get("retry_after"))
    yield context.create_timer(min(context.current_utc_datetime + timedelta(seconds=interval), deadline.at))
    outcome = yield from poll_until(
        context,
        cfg,
        phase="deprovision",
        name="read_run_command",
        payload={"vm_id": vm_id, "operation_url": url},
        done=lambda value: bool(value and value.get("done")),
        interval=interval,
        deadline=deadline,
    )
    if not outcome.get("succeeded"):
        raise StepFailedError(
            "deprovision", "RunCommandFailed", f"{command_id} failed: {outcome.get('stderr') or 'no output'}"
        )
    return outcome


def _deprovision(context: Any, cfg: Settings, vm_id: str, os_type: str) -> Steps:
    deadline = PhaseDeadline.after(context.current_utc_datetime, cfg, "timeout_deprovision_seconds")
    command_id, script = deprovision_command(os_type)
    yield from _run_command(context, cfg, vm_id, command_id, script, deadline)
    if command_id == LINUX_COMMAND_ID:
        return None
    # sysprep /quit returns at once; the image is sealed when the registry says so
    assert command_id == WINDOWS_COMMAND_ID
    while True:
        outcome = yield from _run_command(context, cfg, vm_id, command_id, WINDOWS_READ_IMAGE_STATE, deadline)
        if sysprep_finished(str(outcome.get("stdout", ""))):
            return None
        now = context.current_utc_datetime
        if now >= deadline.at:
            raise deadline.timeout("deprovision")
        yield context.create_timer(min(now + timedelta(seconds=cfg.sysprep_poll_seconds), deadline.at))


def _deallocate(context: Any, cfg: Settings, vm_id: str) -> Steps:
    deadline = PhaseDeadline.after(context.current_utc_datetime, cfg, "timeout_deallocate_seconds")
    started = yield from call_step(context, cfg, "deallocate", "start_deallocate", {"vm_id": vm_id})
    if started.get("already") == "deallocated":
        return None
    interval = wait_interval(cfg, started.get("retry_after"))
    yield context.create_timer(min(context.current_utc_datetime + timedelta(seconds=interval), deadline.at))
    yield from poll_until(
        context,
        cfg,
        phase="deallocate",
        name="read_vm",
        payload={"vm_id": vm_id},
        done=_deallocated,
        interval=interval,
        deadline=deadline,
    )
    return None


def _deallocated(vm: Any) -> bool:
    if vm is None:
        raise StepFailedError(
            "deallocate", "ResourceNotFound", "the source VM disappeared while deallocating"
        )
    return bool(vm.get("power_state") == "deallocated")
