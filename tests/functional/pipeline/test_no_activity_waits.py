"""Principle 1, checked structurally: hours of replication, and no activity ever waited for Azure."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.harness import register_app
from devhost.durable.engine import DurableEngine
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request

pytestmark = pytest.mark.timeout(60)


def test_hours_of_replication_without_an_activity_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        sim.set_timings(replication_seconds_per_gb=30.0)
        vm_id = sim.seed_vm("long-01", location="westeurope", os_type="Linux", os_disk_size_gb=512)
        request = BuildRequest.parse_obj_strict(
            gallery_request(
                vm_id, target={"replication": {"target_regions": [{"name": "eastus"}, {"name": "japaneast"}]}}
            ),
            now=sim.clock.now(),
        )
        started = sim.clock.now()
        # On this clock simulated time moves only while no activity runs, so an activity that waited
        # for an Azure operation (a blocking poller, a sleep-and-read loop) would never see it end:
        # the build would hang and wait_for_completion's timeout would fail this test. The checks
        # below catch the cheaper forms of waiting too.
        engine = DurableEngine(store_path=None, clock=sim.clock, auto_advance=True)

        seen_inflight: list[int] = []

        async def sample_inflight() -> None:
            # proves the property reports running activities (a constant 0 would pass vacuously above)
            while True:
                seen_inflight.append(engine.inflight_activities)
                await asyncio.sleep(0.001)

        async def run() -> Any:
            register_app(engine)
            await engine.start()
            sampler = asyncio.create_task(sample_inflight())
            try:
                iid = instance_id_for(request)
                await engine.start_new("build_image", iid, request.model_dump(mode="json"))
                return await engine.wait_for_completion(iid, 30)
            finally:
                sampler.cancel()
                await engine.stop()

        status = asyncio.run(run())
        result = status.output
        assert result["status"] == "Succeeded", result
        simulated_hours = (sim.clock.now() - started).total_seconds() / 3600
        assert simulated_hours >= 2, simulated_hours
        product = [e for e in sim.requests() if e.kind != "admin"]
        async_polls = [e for e in product if e.kind == "async_poll"]
        run_command_reads = [i for i in engine.stats.activity_invocations if i.name == "read_run_command"]
        # the only operation-URL reads are single reads of the run command's result, one per activity call
        assert len(async_polls) == len(run_command_reads)
        # every ARM request comes from an activity; each reads state and starts at most one operation,
        # so a polling loop inside one would show as many requests per invocation
        invocations = len(engine.stats.activity_invocations)
        assert len(product) <= 2 * invocations, (len(product), invocations)
        assert max(seen_inflight) >= 1 and engine.inflight_activities == 0
        version_reads = [e for e in product if e.operation == "galleryImageVersions.get"]
        # adaptive polling: under a quarter of the reads a fixed 1-minute poll makes over the same time
        # (the final percent of each region is read at the minimum interval, which bounds readiness lag)
        assert len(version_reads) < simulated_hours * 60 / 4
        print(
            f"simulated {simulated_hours:.1f} h; {len(engine.stats.activity_invocations)} activity calls; "
            f"max activity wall {max(i.wall_seconds for i in engine.stats.activity_invocations):.3f} s; "
            f"{len(version_reads)} version reads"
        )
