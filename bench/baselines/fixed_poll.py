"""Baseline (b): start each operation without waiting, then read its state every 30 seconds.

This is `az ... --no-wait` followed by `az ... wait` (`az sig image-version wait --created`
polls the resource every 30 s until provisioningState is Succeeded). Azure's Retry-After and the
replication progress are ignored; each region is only known ready when the whole version is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.pipeline import PipelineResponse
from azure.core.rest import HttpRequest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from bench.baselines.script import BaselineRun, run_script, script_client
from bench.errors import PipelineRunError
from bench.harness import RESOURCE_GROUP
from bench.scenarios import VM_NAME, Scenario

APPROACH = "fixed 30 s polling"
INTERVAL_SECONDS = 30.0
MAX_POLLS = 10_000


class _PollEvery30Seconds:
    def __init__(self, sim: ArmsimHandle, client: ComputeManagementClient) -> None:
        self._sim = sim
        self._client = client

    def _until(self, what: str, done: Callable[[], bool]) -> None:
        for _ in range(MAX_POLLS):
            self._sim.advance(INTERVAL_SECONDS)
            if done():
                return
        raise PipelineRunError(f"fixed polling: {what} not done after {MAX_POLLS} polls")

    def run_command(self, start: Callable[..., Any]) -> None:
        """`az vm run-command invoke --no-wait`, then reads of the operation it returned."""
        headers: dict[str, str] = {}

        def keep(response: PipelineResponse[Any, Any]) -> None:
            headers.update({k.lower(): v for k, v in response.http_response.headers.items()})

        start(raw_response_hook=keep)
        url = headers.get("location") or headers.get("azure-asyncoperation")
        if not url:
            raise PipelineRunError("fixed polling: run command returned no operation URL")
        self._until(
            "run command", lambda: self._client.send_request(HttpRequest("GET", url)).status_code == 200
        )

    def deallocate(self, start: Callable[[], Any]) -> None:
        start()
        vms = self._client.virtual_machines

        def deallocated() -> bool:
            view = vms.instance_view(RESOURCE_GROUP, VM_NAME)
            return any((s.code or "").lower() == "powerstate/deallocated" for s in view.statuses or [])

        self._until("deallocate", deallocated)

    def create(self, kind: str, start: Callable[[], Any], read: Callable[[], Any]) -> None:
        start()
        self._until(kind, lambda: (read().provisioning_state or "").lower() == "succeeded")


def run(sim: ArmsimHandle, vm_id: str, scenario: Scenario) -> BaselineRun:
    client = script_client(sim)
    with client:
        return run_script(
            APPROACH, sim, client, _PollEvery30Seconds(sim, client), vm_id, scenario, polling=False
        )
