"""Shared helpers: a sample app loaded by the real language worker, an engine on a virtual clock."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from azure.durable_functions.models.utils import http_utils

from devhost.clock import VirtualClock
from devhost.durable import DurableEngine
from devhost.durable.functions import durable_functions
from devhost.worker.durable_invoker import WorkerDurableInvoker
from devhost.worker.language_worker import LanguageWorker

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
_workers: dict[str, LanguageWorker] = {}


def load_sample(name: str) -> LanguageWorker:
    """The worker process serving tests/samples/<name> (started once per session, as a host does)."""
    worker = _workers.get(name)
    if worker is None:
        worker = LanguageWorker(SAMPLES / name, environment=dict(os.environ))
        worker.start()
        _workers[name] = worker
    return worker


def stop_workers() -> None:
    while _workers:
        _, worker = _workers.popitem()
        worker.stop()


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run with a fresh SDK client session (its module-global one binds to the loop that
    first used it), dropped again afterwards."""
    http_utils._client_session = None
    http_utils._session_lock = asyncio.Lock()
    try:
        return asyncio.run(asyncio.wait_for(coroutine, 60))
    finally:
        http_utils._client_session = None
        http_utils._session_lock = asyncio.Lock()


def register(engine: DurableEngine, worker: LanguageWorker) -> None:
    engine.register_functions(durable_functions(worker.functions), WorkerDurableInvoker(worker))


@asynccontextmanager
async def running_engine(worker: LanguageWorker, *, store_path: Path | None = None,
                         clock: VirtualClock | None = None, **options: Any) -> AsyncIterator[DurableEngine]:
    engine = DurableEngine(store_path=store_path, clock=clock or VirtualClock(), **options)
    register(engine, worker)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@asynccontextmanager
async def serving(engine: DurableEngine) -> AsyncIterator[str]:
    """Serve the engine's Durable HTTP API on a free local port; yields the base URL."""
    app = web.Application()
    engine.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        session = http_utils._client_session
        if session is not None:
            await session.close()
            http_utils._client_session = None
        await runner.cleanup()


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 200) -> None:
    """Poll a condition that depends on background work (bounded; not a timing assertion)."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")
