"""Benchmark 7: what the worker path costs: cold start, per invocation, and the demo's wall time.

Every function runs in the real Python worker library in a process of its own, as on Flex
Consumption, so these are the costs a deployed app pays too:
- cold start: from starting the worker process to every function loaded (WorkerInitRequest, which
  imports and indexes the app, FunctionsMetadataRequest, one FunctionLoadRequest per function),
  for function_app.py against a bare `df.DFApp()` with the same packages installed (interleaved,
  medians);
- per invocation: one activity invoked through the worker (InvocationRequest over gRPC, the
  worker library's binding conversions, the response) against calling the same Python function
  directly in this process;
- the demo's wall time (`python -m demo`), the whole build on the stand-ins.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.measure import median, ratio
from devhost.worker import typed_data
from devhost.worker.language_worker import LanguageWorker

REPO = Path(__file__).resolve().parents[1]
BARE_APP = "import azure.durable_functions as df\n\napp = df.DFApp()\n"
COLD_RUNS, QUICK_COLD_RUNS = 5, 3
INVOCATIONS, QUICK_INVOCATIONS = 400, 100
ACTIVITY = "load_pipeline_settings"
DEMO_TIMEOUT = 300.0


def _start_seconds(app_dir: Path) -> float:
    worker = LanguageWorker(app_dir, environment=dict(os.environ))
    try:
        worker.start()
        return worker.init_seconds[0]
    finally:
        worker.stop()


def cold_start(runs: int) -> dict[str, Any]:
    app: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bare-dfapp-") as folder:
        bare_dir = Path(folder)
        (bare_dir / "function_app.py").write_text(BARE_APP, encoding="utf-8")
        for _ in range(runs):
            app.append(_start_seconds(REPO))
            bare.append(_start_seconds(bare_dir))
    return {
        "runs": runs,
        "app_worker_start_seconds": median(app),
        "bare_worker_start_seconds": median(bare),
        "worker_start_ratio": ratio(median(app), median(bare)),
    }


def _direct_function() -> Any:
    """The activity's own Python function, as the worker calls it (found through the app's index)."""
    import function_app

    for function in function_app.app.get_functions():
        if function.get_function_name() == ACTIVITY:
            return function.get_user_function()
    raise BenchError(f"function_app has no activity {ACTIVITY!r}")


def per_invocation(count: int) -> dict[str, Any]:
    worker = LanguageWorker(REPO, environment=dict(os.environ))
    worker.start()
    try:
        metadata = worker.function(ACTIVITY)
        data = [typed_data.binding("payload", typed_data.json_text("null"))]

        async def through_worker() -> float:
            await worker.invoke(metadata, data)  # warm: the first call imports what the body needs
            started = time.perf_counter()
            for _ in range(count):
                outcome = await worker.invoke(metadata, data)
                if outcome.error is not None:
                    raise BenchError(f"{ACTIVITY} failed in the worker: {outcome.error.message}")
            return (time.perf_counter() - started) / count

        worker_seconds = asyncio.run(through_worker())
    finally:
        worker.stop()
    direct = _direct_function()
    direct(None)
    started = time.perf_counter()
    for _ in range(count):
        direct(None)
    direct_seconds = (time.perf_counter() - started) / count
    return {
        "invocations": count,
        "worker_invocation_seconds": worker_seconds,
        "direct_call_seconds": direct_seconds,
        "worker_overhead_seconds": worker_seconds - direct_seconds,
        "invocation_ratio": ratio(worker_seconds, direct_seconds),
    }


def demo_wall() -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=REPO, capture_output=True, text=True,
        timeout=DEMO_TIMEOUT, check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"python -m demo failed ({done.returncode}): {done.stderr.strip()[-1500:]}")
    return {"demo_wall_seconds": time.perf_counter() - started}


def run(quick: bool = False) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    figures.update(cold_start(QUICK_COLD_RUNS if quick else COLD_RUNS))
    figures.update(per_invocation(QUICK_INVOCATIONS if quick else INVOCATIONS))
    if not quick:
        figures.update(demo_wall())
    return figures
