"""Admin API under /_armsim/ (no auth): seed, clock, faults, timings, throttling, request log, reset."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from armsim.backend import Backend
from armsim.clock import clock_mode, iso
from armsim.errors import ConfigError
from armsim.faults import parse_fault
from armsim.http import ArmRequest, Reply
from armsim.seeding import seed_vm


def _object(req: ArmRequest) -> dict[str, Any]:
    if not isinstance(req.body, dict):
        raise ConfigError("body: must be a JSON object")
    return req.body


def reset(backend: Backend, req: ArmRequest) -> Reply:
    backend.reset()
    return Reply(200, {"reset": True})


def post_vm(backend: Backend, req: ArmRequest) -> Reply:
    vm = seed_vm(backend, _object(req))
    return Reply(201, vm.to_resource(backend.now()))


def get_clock(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, clock_state(backend))


def clock_state(backend: Backend) -> dict[str, Any]:
    return {"now": iso(backend.now()), "mode": clock_mode(backend.clock), "virtual": backend.clock.virtual}


def post_clock(backend: Backend, req: ArmRequest) -> Reply:
    body = _object(req)
    if not backend.clock.virtual:
        raise ConfigError(
            "clock: only a virtual clock can be moved (armsim runs with a real or scaled clock)"
        )
    if "advance_seconds" in body:
        seconds = body["advance_seconds"]
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or seconds < 0
            or math.isinf(seconds)
        ):
            raise ConfigError(f"clock.advance_seconds: must be a finite number >= 0, got {seconds!r}")
        advance = getattr(backend.clock, "advance", None)
        if advance is None:
            raise ConfigError("clock.advance_seconds: this clock has no advance()")
        advance(float(seconds))
    elif "to" in body:
        try:
            target = datetime.fromisoformat(str(body["to"]))
        except ValueError as err:
            raise ConfigError(
                f"clock.to: must be an ISO 8601 timestamp with offset, got {body['to']!r}"
            ) from err
        if target.tzinfo is None:
            raise ConfigError("clock.to: must carry a UTC offset, e.g. 2026-01-01T00:00:00+00:00")
        backend.clock.advance_to(target)
    else:
        raise ConfigError("clock: give 'advance_seconds' (number) or 'to' (ISO timestamp)")
    return Reply(200, clock_state(backend))


def post_fault(backend: Backend, req: ArmRequest) -> Reply:
    body = req.body
    faults = body if isinstance(body, list) else [body]
    parsed = [parse_fault(f) for f in faults]
    for fault in parsed:
        backend.faults.add(fault)
    return Reply(201, {"faults": [f.as_dict() for f in backend.faults.list()]})


def get_faults(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, {"faults": [f.as_dict() for f in backend.faults.list()]})


def delete_faults(backend: Backend, req: ArmRequest) -> Reply:
    backend.faults.clear()
    return Reply(200, {"faults": []})


def post_timings(backend: Backend, req: ArmRequest) -> Reply:
    backend.timing.update(_object(req))
    return Reply(200, backend.timing.as_dict())


def get_timings(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, backend.timing.as_dict())


def post_throttling(backend: Backend, req: ArmRequest) -> Reply:
    backend.throttler.configure(_object(req))
    return Reply(200, {"enabled": backend.throttler.enabled})


def get_requests(backend: Backend, req: ArmRequest) -> Reply:
    since_raw = req.query.get("since", "0")
    if not since_raw.isdigit():
        raise ConfigError(
            f"requests.since: must be a non-negative integer sequence number, got {since_raw!r}"
        )
    return Reply(200, {"requests": [e.as_dict() for e in backend.log.entries(int(since_raw))]})
