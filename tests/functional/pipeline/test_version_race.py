"""Builds of one sweep start together into one definition with a version policy, and all succeed.

They read the same existing versions and their policy picks the same name; Azure gives the name to
the first create, and every other build re-reads the versions and takes the next free one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from armsim.testing import ArmsimHandle
from bench.harness import register_app
from devhost.durable.engine import DurableEngine
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request

pytestmark = pytest.mark.timeout(90)

SWEEP_SIZE = 4


async def _run_all(sim: ArmsimHandle, store: Path, requests: list[BuildRequest]) -> list[Any]:
    """Every build started on one engine before any of them runs: the sweep's burst."""
    engine = DurableEngine(store_path=store, clock=sim.clock, auto_advance=True)
    register_app(engine)
    await engine.start()
    try:
        ids = [instance_id_for(request) for request in requests]
        assert len(set(ids)) == len(ids)
        for instance_id, request in zip(ids, requests, strict=True):
            await engine.start_new("build_image", instance_id, request.model_dump(mode="json"))
        return [await engine.wait_for_completion(instance_id, 60) for instance_id in ids]
    finally:
        await engine.stop()


def _sweep_requests(sim: ArmsimHandle, policy: dict[str, Any]) -> list[BuildRequest]:
    requests = []
    for index in range(SWEEP_SIZE):
        vm_id = sim.seed_vm(f"sweep-{index:02d}", location="westeurope", os_type="Linux")
        document = gallery_request(
            vm_id,
            generalize="already_deprovisioned",
            correlation_id=f"nightly@20260112T0200Z:sweep-{index:02d}",
            target={"version": policy},
        )
        requests.append(BuildRequest.parse_obj_strict(document, now=sim.clock.now()))
    return requests


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"policy": "next_patch"}, ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]),
        ({"policy": "next_minor", "major": 3}, ["3.0.0", "3.1.0", "3.2.0", "3.3.0"]),
    ],
)
def test_concurrent_builds_of_one_sweep_get_distinct_versions_and_all_succeed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, policy: dict[str, Any], expected: list[str]
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        requests = _sweep_requests(sim, policy)
        statuses = asyncio.run(_run_all(sim, tmp_path / "hub.sqlite3", requests))
        results = [status.output for status in statuses]
        assert [r["status"] for r in results] == ["Succeeded"] * SWEEP_SIZE, [r["errors"] for r in results]
        assert sorted(r["version"] for r in results) == expected
        by_source = {r["source_vm_id"].lower(): r["version"] for r in results}
        stored = sim.backend.versions.values()
        assert sorted(v.name for v in stored) == expected
        for version in stored:
            assert by_source[next(iter(version.source.values())).lower()] == version.name
        losers = [r for r in results if any("was taken by another build" in note for note in r["notes"])]
        assert len(losers) == SWEEP_SIZE - 1
        for result in losers:
            assert result["image_id"].endswith(f"/versions/{result['version']}")
            assert f"picked {result['version']} instead" in " ".join(result["notes"])

