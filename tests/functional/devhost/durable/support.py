"""Shared helpers: load a sample app the way the host indexes it, run an engine on a virtual clock."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from aiohttp import web
from azure.durable_functions.models.utils import http_utils

from devhost.clock import VirtualClock
from devhost.durable import DurableEngine

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
_counter = itertools.count()


def load_sample(name: str) -> ModuleType:
    """Import tests/samples/<name>/function_app.py under a fresh module name (its globals are per test)."""
    path = SAMPLES / name / "function_app.py"
    module_name = f"devhost_sample_{name}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, then drop the SDK's module-global aiohttp session bound to the closed loop."""
    try:
        return asyncio.run(asyncio.wait_for(coroutine, 60))
    finally:
        http_utils._client_session = None
        http_utils._session_lock = asyncio.Lock()


@asynccontextmanager
async def running_engine(app_module: ModuleType, *, store_path: Path | None = None,
                         clock: VirtualClock | None = None, **options: Any) -> AsyncIterator[DurableEngine]:
    engine = DurableEngine(store_path=store_path, clock=clock or VirtualClock(), **options)
    engine.register_functions(app_module.app.get_functions())
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
