"""Baseline (a): block in the SDK's own poller, `begin_*().result()`, as Packer and scripts do.

The process is held for the whole build; the poller sleeps Retry-After (or the client's default
interval) between polls of the async-operation URL, so completion is noticed up to one interval
late, and for an image version only once EVERY region has replicated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from armsim.testing import ArmsimHandle
from bench.baselines.script import BaselineRun, run_script, script_client
from bench.scenarios import Scenario

APPROACH = "blocking SDK poller"


class _BlockInPoller:
    def run_command(self, start: Callable[..., Any]) -> None:
        start().result()

    def deallocate(self, start: Callable[[], Any]) -> None:
        start().result()

    def create(self, kind: str, start: Callable[[], Any], read: Callable[[], Any]) -> None:
        start().result()


def run(sim: ArmsimHandle, vm_id: str, scenario: Scenario) -> BaselineRun:
    client = script_client(sim)
    with client:
        return run_script(APPROACH, sim, client, _BlockInPoller(), vm_id, scenario, polling=True)
