"""Shared wiring: the product's whole pipeline on one virtual clock shared with armsim.

function_app is loaded by the real Python worker (azure-functions-runtime, in its own process over
the host-worker protocol) and its orchestrations run in devhost's DurableEngine (the real durable
replay); Azure is played by armsim, and engine and armsim read the same VirtualClock, so every
durable timer the pipeline sets is a jump of that clock: six hours of replication pass in well
under a second of wall time. The settings the product reads (IMAGEFACTORY_*) are pointed at the
armsim of the run (the worker is started with them) and put back afterwards.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from armsim.clock import VirtualClock
from armsim.testing import ArmsimHandle, running_armsim
from bench.errors import PipelineRunError
from devhost.durable import DurableEngine, EngineStats
from devhost.durable.functions import durable_functions
from devhost.worker.durable_invoker import WorkerDurableInvoker
from devhost.worker.language_worker import LanguageWorker
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from imagefactory.settings import reload_settings

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "rg-imagefactory"
PIPELINE_WALL_TIMEOUT = 120.0

REPO = Path(__file__).resolve().parents[1]
_worker: LanguageWorker | None = None


@contextmanager
def app_worker() -> Iterator[LanguageWorker]:
    """function_app loaded by the real Python worker, with the environment as it is now (the app's
    settings reach the worker process as its environment, as the host passes them)."""
    global _worker
    worker = LanguageWorker(REPO, environment=dict(os.environ))
    worker.start()
    previous, _worker = _worker, worker
    try:
        yield worker
    finally:
        _worker = previous
        worker.stop()


def register_app(engine: DurableEngine) -> None:
    """Give the engine function_app's orchestrators and activities, run by the current app worker."""
    if _worker is None:
        raise RuntimeError("no app worker: run inside armsim_for_pipeline() or app_worker()")
    engine.register_functions(durable_functions(_worker.functions), WorkerDurableInvoker(_worker))


@contextmanager
def patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for the block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reload_settings()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reload_settings()


@contextmanager
def armsim_for_pipeline(*, throttling: bool = False, **settings: str) -> Iterator[ArmsimHandle]:
    """armsim on a fresh virtual clock, and the app settings pointing at it (no queue connection)."""
    with (
        running_armsim(clock=VirtualClock(), throttling=throttling) as sim,
        patched_environ(
            {
                "IMAGEFACTORY_ARM_ENDPOINT": sim.endpoint,
                "IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS": "0",
                "AzureWebJobsStorage": None,
                **settings,
            }
        ),
        app_worker(),
    ):
        yield sim


@dataclass
class PipelineRun:
    """One build_image orchestration, run to its end, and what the engine saw while running it."""

    instance_id: str
    runtime_status: str
    output: dict[str, Any]
    started_at: datetime
    finished_at: datetime
    wall_seconds: float
    stats: EngineStats

    @property
    def simulated_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def succeeded(self) -> bool:
        return self.runtime_status == "Completed" and self.output.get("status") == "Succeeded"


def run_pipeline(
    sim: ArmsimHandle, request: dict[str, Any], *, timeout: float = PIPELINE_WALL_TIMEOUT
) -> PipelineRun:
    """Run one build to completion on the engine; the request goes through the same door as a message."""
    parsed = BuildRequest.parse_obj_strict(request, now=sim.clock.now())
    return asyncio.run(_run(sim, parsed, timeout))


async def _run(sim: ArmsimHandle, request: BuildRequest, timeout: float) -> PipelineRun:
    engine = DurableEngine(store_path=None, clock=sim.clock, auto_advance=True)
    register_app(engine)
    await engine.start()
    wall_start = time.perf_counter()
    started_at = sim.clock.now()
    try:
        instance_id = instance_id_for(request)
        await engine.start_new("build_image", instance_id, request.model_dump(mode="json"))
        status = await engine.wait_for_completion(instance_id, timeout)
    finally:
        await engine.stop()
    wall = time.perf_counter() - wall_start
    output = status.output if isinstance(status.output, dict) else {"raw": status.output}
    run = PipelineRun(
        instance_id=instance_id,
        runtime_status=str(status.runtime_status),
        output=output,
        started_at=started_at,
        finished_at=status.last_updated_time,
        wall_seconds=wall,
        stats=engine.stats,
    )
    if not run.succeeded:
        raise PipelineRunError(
            f"build {instance_id} ended {run.runtime_status}: "
            f"{output.get('summary') or output.get('errors') or output}"
        )
    return run
