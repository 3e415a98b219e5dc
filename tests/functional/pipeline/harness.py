"""Run whole builds: function_app loaded by the real worker, its orchestrations in devhost's
DurableEngine, Azure played by armsim.

Both share ONE virtual clock, so hours of replication pass in milliseconds and every durable timer
the pipeline sets is a jump of that clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from armsim.clock import VirtualClock
from armsim.testing import ArmsimHandle, running_armsim
from bench.harness import app_worker, register_app
from devhost.durable.engine import DurableEngine
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from imagefactory.settings import reload_settings

SUB = "00000000-0000-0000-0000-000000000000"
RG = "rg-imagefactory"
WALL_TIMEOUT = 30.0



@contextmanager
def armsim_for_pipeline(monkeypatch: pytest.MonkeyPatch, **settings: str) -> Iterator[ArmsimHandle]:
    """armsim on a virtual clock, and the app settings pointing at it (no queue connection)."""
    with running_armsim(clock=VirtualClock()) as sim:
        monkeypatch.setenv("IMAGEFACTORY_ARM_ENDPOINT", sim.endpoint)
        monkeypatch.setenv("IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS", "0")
        monkeypatch.delenv("AzureWebJobsStorage", raising=False)
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        reload_settings()
        try:
            with app_worker():
                yield sim
        finally:
            reload_settings()


@dataclass
class BuildRun:
    instance_id: str
    runtime_status: str
    output: dict[str, Any]
    custom_status: Any
    engine: DurableEngine


def gallery_request(vm_id: str, **overrides: Any) -> dict[str, Any]:
    target: dict[str, Any] = {
        "kind": "gallery",
        "gallery": {"resource_group": RG, "name": "gal01"},
        "definition": {"name": "ubuntu-base", "publisher": "contoso", "offer": "base", "sku": "22_04"},
        "version": "1.0.0",
    }
    target.update(overrides.pop("target", {}))
    return {"source": vm_id, "target": target, **overrides}


def run_build(
    sim: ArmsimHandle,
    request: dict[str, Any],
    *,
    store_path: Path | None = None,
    timeout: float = WALL_TIMEOUT,
) -> BuildRun:
    parsed = BuildRequest.parse_obj_strict(request, now=sim.clock.now())
    return asyncio.run(_run(sim, parsed, store_path, timeout))


async def _run(sim: ArmsimHandle, request: BuildRequest, store_path: Path | None, timeout: float) -> BuildRun:
    engine = DurableEngine(store_path=store_path, clock=sim.clock, auto_advance=True)
    register_app(engine)
    await engine.start()
    try:
        instance_id = instance_id_for(request)
        await engine.start_new("build_image", instance_id, request.model_dump(mode="json"))
        status = await engine.wait_for_completion(instance_id, timeout)
    finally:
        await engine.stop()
    return BuildRun(
        instance_id=instance_id,
        runtime_status=str(status.runtime_status),
        output=status.output if isinstance(status.output, dict) else {"raw": status.output},
        custom_status=status.custom_status,
        engine=engine,
    )
