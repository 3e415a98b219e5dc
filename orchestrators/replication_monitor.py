"""Sub-orchestration `watch_replication`: follow a version's replication region by region.

Polls the version with `$expand=ReplicationStatus` at the moment the per-region progress predicts
the next completion (imagefactory.replication), records each region's ready time as it completes
(and announces it when asked), retries Failed regions by updating the version a bounded number of
times, and keeps its history small with continue_as_new every N polls. It returns to the build
orchestration only when replication is over: handing back earlier would add events to the build's
own history for every hand-back, making its replay cost grow with replication time. Live
per-region progress is this instance's custom status (the build's status names this instance).

Output: {"outcome": "completed" | "failed" | "timed_out" | "missing",
         "watch": ReplicationWatch, "version": VersionFacts | None, "error": {...} | None,
         "notes": [str]}
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from imagefactory.gateway.facts import RegionTarget, VersionFacts
from imagefactory.messages import RegionReadyMessage
from imagefactory.plan import retry_regions_body
from imagefactory.replication import ReplicationWatch, next_poll_delay, observe, predicted_finish
from imagefactory.settings import Settings
from orchestrators.calls import Steps, call_step
from orchestrators.errors import PipelineStepError
from orchestrators.registry import orchestrator


def region_status(watch: ReplicationWatch) -> list[dict[str, Any]]:
    return [
        {
            "name": region.region,
            "state": region.state,
            "progress": region.progress,
            "ready_at": region.ready_at.isoformat() if region.ready_at else None,
            "retries": region.retries,
            # the soonest the region can be ready given its progress so far (None: no rate yet)
            "earliest_ready_at": finish.isoformat() if (finish := predicted_finish(region)) else None,
        }
        for region in watch.regions.values()
    ]


@orchestrator
def watch_replication(context: Any) -> Steps:
    data: dict[str, Any] = context.get_input()
    cfg = Settings.model_validate(data["settings"])
    version_id: str = data["version_id"]
    targets = [RegionTarget.model_validate(item) for item in data["regions"]]
    deadline = datetime.fromisoformat(data["deadline"])
    now = context.current_utc_datetime
    watch = (
        ReplicationWatch.model_validate(data["watch"])
        if data.get("watch")
        else ReplicationWatch.start([t.name for t in targets], now)
    )
    notes: list[str] = list(data.get("notes") or [])
    polls_here = 0

    def finish(outcome: str, version: VersionFacts | None = None, error: dict[str, Any] | None = None) -> Any:
        return {
            "outcome": outcome,
            "watch": watch.model_dump(mode="json"),
            "version": version.model_dump(mode="json") if version else None,
            "error": error,
            "notes": notes,
        }

    while True:
        try:
            raw = yield from call_step(
                context, cfg, "replication", "read_version", {"version_id": version_id}
            )
        except PipelineStepError as error:
            return finish("failed", error=error.to_dict())
        if raw is None:
            return finish(
                "missing",
                error={
                    "phase": "replication",
                    "code": "ResourceNotFound",
                    "message": f"version {version_id} disappeared",
                },
            )
        version = VersionFacts.model_validate(raw)
        now = context.current_utc_datetime
        observed = observed_at(version, now)
        seen = observe(watch, version.replication, observed)
        watch = seen.watch
        for region in seen.newly_completed:
            if data.get("region_ready_messages"):
                note = yield from _announce(context, cfg, data, version, region, observed)
                if note:
                    notes.append(note)
        if seen.failed:
            exhausted = [r for r in seen.failed if watch.regions[r].retries >= cfg.replication_region_retries]
            if exhausted:
                details = "; ".join(f"{r}: {watch.regions[r].details or 'no details'}" for r in exhausted)
                return finish(
                    "failed",
                    version,
                    {
                        "phase": "replication",
                        "code": "ReplicationFailed",
                        "message": f"replication Failed in {', '.join(exhausted)} after "
                        f"{cfg.replication_region_retries} retries ({details})",
                    },
                )
            try:
                yield from call_step(
                    context,
                    cfg,
                    "replication",
                    "start_update_version",
                    {"version_id": version_id, "body": retry_regions_body(targets)},
                )
            except PipelineStepError as error:
                return finish("failed", version, error.to_dict())
            for name in seen.failed:
                retried = watch.regions[name]
                retried.retries += 1
                retried.state = "Retrying"
                retried.samples = []
                notes.append(
                    f"replication to {name} Failed ({retried.details}); retry {retried.retries} started"
                )
        elif watch.all_completed and (version.provisioning_state or "").lower() == "succeeded":
            return finish("completed", version)
        elif (version.provisioning_state or "").lower() == "failed":
            return finish(
                "failed",
                version,
                {
                    "phase": "replication",
                    "code": "VersionFailed",
                    "message": f"version {version.name} is in provisioningState Failed",
                },
            )
        if now >= deadline:
            return finish("timed_out", version)
        delay = next_poll_delay(
            watch,
            now,
            min_seconds=cfg.replication_poll_min_seconds,
            max_seconds=cfg.replication_poll_max_seconds,
        )
        watch.last_delay_seconds = delay
        context.set_custom_status(
            {"version_id": version_id, "polls": watch.polls, "regions": region_status(watch)}
        )
        yield context.create_timer(min(now + timedelta(seconds=delay), deadline))
        polls_here += 1
        if polls_here >= cfg.monitor_polls_per_execution:
            context.continue_as_new({**data, "watch": watch.model_dump(mode="json"), "notes": notes})
            return None


def _announce(
    context: Any, cfg: Settings, data: dict[str, Any], version: VersionFacts, region: str, now: datetime
) -> Steps:
    """Publish a region-ready message; a failure becomes a note, never a failed build."""
    message = RegionReadyMessage(
        build_id=data["build_id"],
        correlation_id=data.get("correlation_id"),
        image_id=version.id,
        version=version.name,
        region=region,
        ready_at=now,
    ).model_dump(mode="json")
    try:
        published = yield from call_step(
            context, cfg, "replication", "publish_queue_message", {"queue": data["queue"], "message": message}
        )
    except PipelineStepError as error:
        return f"region-ready message for {region} not published: {error.message}"
    if not published.get("published"):
        return f"region-ready message for {region} {published.get('reason')}"
    return None


def observed_at(version: VersionFacts, now: datetime) -> datetime:
    """When the replication status was true: Azure's answer time (never later than this episode;
    the episode runs some time after the read, and a rate measured from the episode's time could
    overstate how far a region had got)."""
    if version.read_at is None:
        return now
    read = datetime.fromisoformat(version.read_at)
    return min(read, now)
