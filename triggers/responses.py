"""Shapes of what the HTTP API answers: JSON bodies, status codes, build views, cancel reports.

Pure functions over plain data, so the contract (field names, codes) is tested without a host.
Every error body has one shape, {"errors": [{"field", "rule", "message"}]}, the same FieldErrors
a rejected queue message carries. Status URLs point at this API only: the durable extension's
management URLs embed the system key and must never leave the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import azure.functions as func

from imagefactory.exceptions import FieldError
from triggers.decisions import Action, ExistingBuild
from triggers.starting import StartOutcome

JSON = "application/json"

START_STATUS_CODES = {
    Action.START: 202,
    Action.START_AGAIN: 202,
    Action.REPORT_RUNNING: 409,
    Action.REPORT_FAILED: 409,
    Action.REPORT_SUCCEEDED: 200,
}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, sort_keys=True, default=str), status_code=status, headers=headers, mimetype=JSON
    )


def errors_body(errors: list[FieldError]) -> dict[str, Any]:
    return {"errors": [error.to_dict() for error in errors]}


def error_response(status: int, errors: list[FieldError]) -> func.HttpResponse:
    return json_response(errors_body(errors), status)


def not_found(build_id: str) -> func.HttpResponse:
    return error_response(404, [FieldError("id", "not_found", f"no build with id {build_id!r}")])


def method_not_allowed(method: str, allowed: list[str]) -> func.HttpResponse:
    response = error_response(
        405,
        [
            FieldError(
                "method", "method_not_allowed", f"{method} is not allowed here; use {', '.join(allowed)}"
            )
        ],
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def status_urls(base_url: str, build_id: str) -> dict[str, str]:
    root = f"{base_url.rstrip('/')}/api/builds/{build_id}"
    return {"status": root, "cancel": f"{root}/cancel"}


def start_answer(outcome: StartOutcome, base_url: str) -> tuple[int, dict[str, Any]]:
    """Status code and body of POST /api/builds (202 started, 409 running/failed, 200 already built)."""
    body = {**outcome.to_dict(), "urls": status_urls(base_url, outcome.instance_id)}
    if outcome.existing is not None and not outcome.started:
        body["existing"] = {
            "runtime_status": outcome.existing.runtime_status,
            "result_status": outcome.existing.result_status,
            "phase": _phase(outcome.existing.custom_status),
        }
    return START_STATUS_CODES[outcome.action], body


@dataclass(frozen=True)
class BuildSnapshot:
    """One orchestration as read from the durable client (times as ISO text)."""

    build_id: str
    name: str | None
    runtime_status: str
    custom_status: Any
    output: Any
    input: Any
    created_at: str | None
    updated_at: str | None

    @property
    def existing(self) -> ExistingBuild:
        return ExistingBuild(self.runtime_status, self.output, self.custom_status)


def snapshot_from_status(status: Any) -> BuildSnapshot | None:
    """A DurableOrchestrationStatus as a snapshot; None when the instance does not exist."""
    runtime = getattr(status, "runtime_status", None)
    if runtime is None:
        return None
    return BuildSnapshot(
        build_id=str(status.instance_id),
        name=status.name,
        runtime_status=str(getattr(runtime, "value", runtime)),
        custom_status=status.custom_status,
        output=status.output,
        input=status.input_,
        created_at=_iso(status.created_time),
        updated_at=_iso(status.last_updated_time),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _phase(custom_status: Any) -> str | None:
    return (
        str(custom_status.get("phase"))
        if isinstance(custom_status, dict) and "phase" in custom_status
        else None
    )


_LIVE_REGION_FIELDS = ("state", "progress", "ready_at", "retries", "earliest_ready_at")


def _regions(custom_status: Any, fresher: Any = None) -> list[dict[str, Any]]:
    """Per-region progress from the build status, refined by the replication monitor's own status."""
    regions = (
        [dict(r) for r in (custom_status or {}).get("regions", [])] if isinstance(custom_status, dict) else []
    )
    if isinstance(fresher, dict):
        newer = {r.get("name"): r for r in fresher.get("regions", []) if isinstance(r, dict)}
        if not regions:  # a status written before the plan listed the regions
            return [dict(r) for r in newer.values()]
        for region in regions:
            update = newer.get(region.get("name"))
            if update:
                region.update(
                    {k: update[k] for k in _LIVE_REGION_FIELDS if k in update}
                )
    return regions


def build_view(
    snapshot: BuildSnapshot, *, monitor_status: Any = None, base_url: str | None = None
) -> dict[str, Any]:
    """GET /api/builds/{id}: phase, per-region progress, and the result once there is one."""
    custom = snapshot.custom_status if isinstance(snapshot.custom_status, dict) else {}
    output = snapshot.output if isinstance(snapshot.output, dict) else None
    request = snapshot.input if isinstance(snapshot.input, dict) else {}
    view: dict[str, Any] = {
        "build_id": snapshot.build_id,
        "runtime_status": snapshot.runtime_status,
        "status": overall_status(snapshot),
        "phase": custom.get("phase") or ("done" if output else None),
        "target": custom.get("target") or (output or {}).get("image_id"),
        "source": request.get("source"),
        "correlation_id": request.get("correlation_id"),
        "created_at": snapshot.created_at,
        "updated_at": snapshot.updated_at,
        "phases": custom.get("phases", []),
        "regions": _regions(custom, monitor_status) if not output else list(output.get("regions", [])),
        "result": output,
    }
    if snapshot.runtime_status == "Failed" and not output:
        view["error"] = snapshot.output if isinstance(snapshot.output, str) else "the orchestration failed"
    if base_url is not None:
        view["urls"] = status_urls(base_url, snapshot.build_id)
    return view


def overall_status(snapshot: BuildSnapshot) -> str:
    """Running, Succeeded, Failed or Terminated: what an operator wants to know first."""
    if snapshot.existing.running:
        return "Running"
    if snapshot.runtime_status == "Completed":
        return snapshot.existing.result_status or "Succeeded"
    return snapshot.runtime_status


def list_item(snapshot: BuildSnapshot) -> dict[str, Any]:
    custom = snapshot.custom_status if isinstance(snapshot.custom_status, dict) else {}
    return {
        "build_id": snapshot.build_id,
        "runtime_status": snapshot.runtime_status,
        "status": overall_status(snapshot),
        "phase": custom.get("phase"),
        "target": custom.get("target"),
        "created_at": snapshot.created_at,
        "updated_at": snapshot.updated_at,
    }


def cancel_report(
    snapshot: BuildSnapshot, *, terminated: list[str], monitor_status: Any = None
) -> dict[str, Any]:
    """What a cancelled build leaves behind, read from its last custom status. Nothing is deleted."""
    custom = snapshot.custom_status if isinstance(snapshot.custom_status, dict) else {}
    request = snapshot.input if isinstance(snapshot.input, dict) else {}
    started = {p.get("name") for p in custom.get("phases", []) if isinstance(p, dict)}
    finished = {
        p.get("name") for p in custom.get("phases", []) if isinstance(p, dict) and p.get("finished_at")
    }
    phase = custom.get("phase")
    left: list[str] = []
    vm = request.get("source", "the source VM")
    if "generalize" in finished:
        left.append(f"VM {vm} is deallocated and generalized: it can never start again; it was not deleted")
    elif "generalize" in started or phase == "generalize":
        left.append(f"VM {vm} is deallocated and may already be generalized; it was not deleted")
    elif started & {"prepare", "deprovision", "deallocate"} or phase == "prepare":
        left.append(f"VM {vm} may be deprovisioned and deallocated (not generalized); it was not deleted")
    else:
        left.append(f"VM {vm} was not changed")
    if "target" in started or phase == "prepare":
        left.append("the gallery and image definition may have been created; they were kept")
    regions = _regions(custom, monitor_status)
    target = custom.get("target")
    if "capture" in started or phase in {"capture", "replication", "verify"}:
        if regions:
            described = ", ".join(
                f"{r.get('name')} {r.get('state', 'Unknown')} {r.get('progress', 0)}%" for r in regions
            )
            left.append(f"image {target} exists, partially replicated ({described}); it was kept")
        else:
            left.append(f"image {target} may exist; it was kept")
    return {
        "build_id": snapshot.build_id,
        "cancelled": True,
        "previous_runtime_status": snapshot.runtime_status,
        "phase": phase,
        "terminated_instances": terminated,
        "deleted": [],
        "left": left,
        "regions": regions,
        "target": target,
    }
