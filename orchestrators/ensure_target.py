"""Sub-orchestration `ensure_gallery_target`: the gallery, then the image definition, exist and are ready.

Runs in parallel with `prepare_source_vm`. Creation is started without waiting; readiness is read
on durable timers. A resource that exists already (created by an earlier attempt or another build)
is only waited for. Returns {"ok", "phases", "created", "error"}; never raises for Azure's answers.
"""

from __future__ import annotations

from typing import Any

from imagefactory.settings import Settings
from orchestrators.calls import PhaseDeadline, Steps, call_step, poll_until, provisioned, wait_interval
from orchestrators.errors import PipelineStepError
from orchestrators.registry import orchestrator
from orchestrators.timeline import Timeline


@orchestrator
def ensure_gallery_target(context: Any) -> Steps:
    data: dict[str, Any] = context.get_input()
    cfg = Settings.model_validate(data["settings"])
    timeline = Timeline(context.instance_id, context.current_utc_datetime)
    timeline.begin("target", context.current_utc_datetime)
    deadline = PhaseDeadline.after(context.current_utc_datetime, cfg, "timeout_target_seconds")
    report: dict[str, Any] = {"ok": True, "created": [], "error": None}
    steps = (
        (
            "gallery",
            "gallery_id",
            data["gallery_id"],
            data.get("create_gallery"),
            "start_create_gallery",
            "read_gallery",
        ),
        (
            "definition",
            "definition_id",
            data["definition_id"],
            data.get("create_definition"),
            "start_create_definition",
            "read_definition",
        ),
    )
    try:
        for what, key, resource_id, body, start_name, read_name in steps:
            retry_after = None
            if body is not None:
                started = yield from call_step(
                    context, cfg, "target", start_name, {key: resource_id, "body": body}
                )
                if started.get("already") is None:
                    report["created"].append(resource_id)
                retry_after = started.get("retry_after")
            interval = wait_interval(cfg, retry_after)
            yield from poll_until(
                context,
                cfg,
                phase="target",
                name=read_name,
                payload={key: resource_id},
                done=provisioned("target", f"{what} {resource_id}"),
                interval=interval,
                deadline=deadline,
            )
    except PipelineStepError as error:
        report.update(ok=False, error=error.to_dict())
    timeline.end("target", context.current_utc_datetime)
    report["phases"] = [timing.model_dump(mode="json") for timing in timeline.phases]
    return report
