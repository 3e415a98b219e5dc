"""Live progress of one build from GET /api/builds/{id}: a phase line and a bar per region."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from demo.errors import DemoError
from demo.http import call


def watch_build(
    console: Console, status_url: str, *, timeout: float, poll_seconds: float = 0.25
) -> dict[str, Any]:
    """Poll the status URL until the build is no longer running; returns the last view."""
    deadline = time.monotonic() + timeout
    bars: dict[str, TaskID] = {}
    view: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description}", justify="left"),
        BarColumn(bar_width=40),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[state]}"),
        console=console,
        transient=False,
    ) as progress:
        phase_task = progress.add_task("phase: waiting for the queue trigger", total=None, state="")
        while time.monotonic() < deadline:
            status, body = call("GET", status_url)
            if status == 200 and isinstance(body, dict):
                view = body
                progress.update(phase_task, description=f"phase: [bold]{view.get('phase')}[/]", state="")
                for region in view.get("regions", []):
                    name = str(region.get("name"))
                    if name not in bars:
                        bars[name] = progress.add_task(f"  {name:<16}", total=100, state="")
                    progress.update(
                        bars[name], completed=int(region.get("progress") or 0), state=region.get("state", "")
                    )
                if view.get("status") != "Running":
                    progress.update(phase_task, total=1, completed=1)
                    return view
            elif status not in (404,):
                raise DemoError(f"GET {status_url} answered {status}: {body}")
            time.sleep(poll_seconds)
    raise DemoError(f"the build did not finish within {timeout:.0f} s (last phase: {view.get('phase')})")
