"""Phases `replication` and `verify` of `build_image`: wait for every region, then check Azure.

Replication is watched by the `watch_replication` sub-orchestration, which returns only when it is
over (so this history stays small); its per-region status is mirrored into the build's status.
Verify reads the image again: the VM may only be deleted on what Azure says now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from imagefactory.gateway.facts import ImageFacts, VersionFacts
from imagefactory.plan import BuildPlan
from imagefactory.replication import ReplicationWatch
from imagefactory.result import RegionResult
from orchestrators.build_state import Build
from orchestrators.calls import Steps, call_step, race_deadline
from orchestrators.errors import StepFailedError
from orchestrators.replication_monitor import region_status


def replicate(build: Build, plan: BuildPlan) -> Steps:
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


def _mirror_regions(build: Build, watch_json: dict[str, Any]) -> None:
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


def verify(build: Build, plan: BuildPlan) -> Steps:
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
