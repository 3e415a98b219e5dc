"""The second demo: the nightly rollout (timer fired on demand) and the operators' HTTP API."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from demo.errors import DemoError
from demo.http import call
from demo.stack import SUBSCRIPTION, DemoStack

ROLLOUT_FILE_NAME = "rollout.yaml"
TIMER_FUNCTION = "nightly_rollout"
# Rollout builds are named by correlation id (build-...); explicit versions by version (version-...).
ROLLOUT_PREFIX = "build-"


def _template(definition: str, generalize: str) -> dict[str, Any]:
    return {
        "generalize": generalize,
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": "rg-images", "name": "nightly_gallery"},
            "definition": {"name": definition, "publisher": "contoso", "offer": definition, "sku": "nightly"},
            "version": {"policy": "next_patch", "major": 1},
            "replication": {"target_regions": [{"name": "westeurope"}, {"name": "eastus"}]},
        },
    }


def rollout_document() -> dict[str, Any]:
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-fleet"
    reference = f"{group}/providers/Microsoft.Compute/virtualMachines/vm-golden"
    return {
        "lines": [
            {
                "name": "golden",
                "reference_vm": reference,
                "template": _template("golden-specialized", "none"),
            },
            {
                "name": "fleet",
                "sweep": {"resource_group": group, "tag": "imagefactory-nightly", "value": "true"},
                "template": _template("fleet-generalized", "deprovision"),
            },
        ]
    }


def write_rollout_file(folder: Path) -> Path:
    path = folder / ROLLOUT_FILE_NAME
    path.write_text(yaml.safe_dump(rollout_document(), sort_keys=False), encoding="utf-8")
    return path


def _show(console: Console, title: str, status: int, body: Any) -> None:
    console.print(f"[bold]{title}[/] -> {status}")
    console.print_json(json.dumps(body, default=str))


def _wait(stack: DemoStack, check: Any, what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise DemoError(f"timed out waiting for {what}")


def run(console: Console, stack: DemoStack, *, timeout: float) -> bool:
    specs: list[dict[str, object]] = [
        {"resource_group": "rg-fleet", "name": "vm-golden", "location": "westeurope"},
        {
            "resource_group": "rg-fleet",
            "name": "vm-fleet-a",
            "location": "westeurope",
            "tags": {"imagefactory-nightly": "true"},
        },
        {
            "resource_group": "rg-fleet",
            "name": "vm-fleet-b",
            "location": "westeurope",
            "tags": {"imagefactory-nightly": "false"},
        },
        {"resource_group": "rg-ops", "name": "vm-ops-01", "location": "westeurope"},
    ]
    for spec in specs:
        console.print(f"seeded {stack.seed_vm(spec)}")

    console.rule("nightly rollout: the timer fires twice for the same occurrence")
    for attempt in (1, 2):
        status, _ = call("POST", f"{stack.app_url}/admin/functions/{TIMER_FUNCTION}", {"input": ""})
        console.print(f"fire {attempt}: POST /admin/functions/{TIMER_FUNCTION} -> {status}")
        time.sleep(1.0)
    listing = _wait(
        stack,
        lambda: (
            _builds_with(stack, ROLLOUT_PREFIX) if len(_builds_with(stack, ROLLOUT_PREFIX)) >= 2 else None
        ),
        "the rollout builds",
        timeout,
    )
    console.print(f"rollout builds (one per line, however often the timer fired): {len(listing)}")
    for build in listing:
        console.print(f"  {build['build_id']}  {build['status']}  {build['phase']}")
    if len(listing) != 2:
        raise DemoError(f"expected 2 rollout builds, found {len(listing)}")

    console.rule("HTTP API")
    ops_group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ops"
    request: dict[str, Any] = {
        "source": f"{ops_group}/providers/Microsoft.Compute/virtualMachines/vm-ops-01",
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": "rg-images", "name": "ops_gallery"},
            "definition": {"name": "ops-tools", "publisher": "contoso", "offer": "ops", "sku": "1"},
            "version": "1.0.0",
            "replication": {
                "target_regions": [{"name": "westeurope"}, {"name": "northeurope"}, {"name": "eastus"}]
            },
        },
    }
    status, body = call("POST", stack.api("plan"), request)
    console.print(f"[bold]POST /api/plan[/] -> {status}")
    for step in (body or {}).get("steps", []):
        console.print(f"  - {step['step']}: {step['detail']}")
    bad = {**request, "target": {**request["target"], "version": "1.0"}}
    status, body = call("POST", stack.api("builds"), bad)
    _show(console, "POST /api/builds with version '1.0'", status, body)
    status, body = call("POST", stack.api("builds"), request)
    _show(console, "POST /api/builds", status, body)
    if status != 202:
        raise DemoError(f"the build was not started: {status}")
    build_id = body["build_id"]
    status, again = call("POST", stack.api("builds"), request)
    console.print(f"[bold]POST /api/builds (same request again)[/] -> {status}: {again.get('message')}")
    view = _wait(
        stack,
        lambda: _view_if(stack, build_id, lambda v: v.get("phase") == "replication"),
        "the build to replicate",
        timeout,
    )
    console.print(
        f"[bold]GET /api/builds/{build_id}[/] -> phase {view['phase']}, regions "
        + ", ".join(f"{r['name']} {r.get('progress', 0)}%" for r in view["regions"])
    )
    status, listed = call("GET", stack.api("builds?status=Running"))
    console.print(f"[bold]GET /api/builds?status=Running[/] -> {status}: {listed.get('count')} running")
    status, report = call("POST", stack.api(f"builds/{build_id}/cancel"))
    _show(console, f"POST /api/builds/{build_id}/cancel", status, report)

    console.rule("rollout results")
    finished = _wait(
        stack,
        lambda: (lambda b: b if all(x["status"] != "Running" for x in b) else None)(
            _builds_with(stack, ROLLOUT_PREFIX)
        ),
        "the rollout builds to finish",
        timeout,
    )
    for build in finished:
        console.print(f"  {build['build_id']}: [bold]{build['status']}[/]")
    return status == 202 and all(b["status"] == "Succeeded" for b in finished)


def _builds_with(stack: DemoStack, marker: str) -> list[dict[str, Any]]:
    status, body = call("GET", stack.api("builds"))
    if status != 200 or not isinstance(body, dict):
        return []
    return [b for b in body.get("builds", []) if b["build_id"].startswith(marker)]


def _view_if(stack: DemoStack, build_id: str, accept: Any) -> dict[str, Any] | None:
    status, body = call("GET", stack.api(f"builds/{build_id}"))
    if status == 200 and isinstance(body, dict) and accept(body):
        return body
    return None
