"""Replay of real Azure traffic (../shared/azure-recordings) against armsim, through the SDK.

Every recorded request on an operation armsim serves is sent again at the same offset in
(virtual) time as it was recorded, through the real ComputeManagementClient's pipeline
(`send_request`). armsim must answer with the recorded status code, the same LRO headers
(Azure-AsyncOperation / Location), the same provisioningState, and each operation poll must
report the recorded status (InProgress/Succeeded) at the recorded moment. Recorded operation URLs
are mapped to the ones armsim handed out for the same request.

Adjustments, all to what the recorded requests need that armsim cannot see: the image-from-blob
recording's VHD is registered (storage account and page blob) before the replay; requests on
resource types armsim does not simulate (networks, extensions, gallery applications, snapshot
access, restart, reapply, redeploy, VM PATCH) are not replayed. The gallery recording replays as
recorded: an empty disk, a snapshot of it, and a version made from the snapshot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from azure.core.rest import HttpRequest

from armsim.clock import VirtualClock
from armsim.testing import ArmsimHandle, running_armsim
from imagefactory.azure_client import compute_client

RECORDINGS = Path(__file__).resolve().parents[3].parent / "shared" / "azure-recordings"
pytestmark = [
    pytest.mark.needs_shared,
    pytest.mark.timeout(60),
    pytest.mark.skipif(
        not RECORDINGS.is_dir(), reason=f"recorded Azure traffic is not available at {RECORDINGS}"
    ),
]
SUB = "00000000-0000-0000-0000-000000000000"

_RG = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute"
SERVED = [
    ("GET", rf"{_RG}/virtualMachines/[^/]+(/instanceView)?"),
    ("PUT", rf"{_RG}/virtualMachines/[^/]+"),
    ("DELETE", rf"{_RG}/virtualMachines/[^/]+"),
    ("POST", rf"{_RG}/virtualMachines/[^/]+/(runCommand|powerOff|start|generalize|deallocate)"),
    ("*", rf"{_RG}/images/[^/]+"),
    ("*", rf"{_RG}/galleries/[^/]+(/images/[^/]+(/versions/[^/]+)?)?"),
    ("*", rf"{_RG}/(disks|snapshots)/[^/]+"),
    (
        "GET",
        r"/subscriptions/[^/]+/providers/Microsoft\.Compute/locations/[^/]+"
        r"/(operations|capsOperations|DiskOperations)/[^/]+",
    ),
]
POLL = re.compile(r"/locations/[^/]+/(operations|capsOperations|DiskOperations)/", re.IGNORECASE)


def served(method: str, path: str) -> bool:
    return any((m in ("*", method)) and re.fullmatch(p, path, re.IGNORECASE) for m, p in SERVED)


def header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def body_of(part: dict[str, Any]) -> Any:
    raw = part.get("body")
    if isinstance(raw, dict):
        raw = raw.get("string")
    if isinstance(raw, bytes):
        raw = raw.decode()
    return json.loads(raw) if raw and raw.strip() else None


def monitor_key(url: str) -> tuple[str, bool]:
    parts = urlsplit(url)
    return parts.path.lower(), "monitor=true" in parts.query.lower()


@dataclass
class Replay:
    sim: ArmsimHandle
    mismatches: list[str] = field(default_factory=list)
    monitors: dict[tuple[str, bool], str] = field(default_factory=dict)  # recorded -> armsim URL
    replayed: int = 0

    def check(self, what: str, recorded: Any, got: Any) -> None:
        if recorded != got:
            self.mismatches.append(f"{what}: recorded {recorded!r}, armsim {got!r}")


def replay(
    cassette: Path,
    setup: Callable[[ArmsimHandle], None] | None = None,
    timings: dict[str, Any] | None = None,
) -> Replay:
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    first_date = parsedate_to_datetime(header(interactions[0]["response"]["headers"], "date") or "")
    clock = VirtualClock(first_date)
    with running_armsim(clock=clock, timings=timings) as sim:
        run = Replay(sim)
        if setup is not None:
            setup(sim)
        client = compute_client(SUB, sim.endpoint, retry_total=0)
        for index, interaction in enumerate(interactions):
            request, response = interaction["request"], interaction["response"]
            url = urlsplit(request["uri"])
            method = request["method"]
            if not served(method, url.path):
                continue
            date = parsedate_to_datetime(header(response["headers"], "date") or "")
            clock.advance_to(date)
            if POLL.search(url.path):
                target = run.monitors.get(monitor_key(request["uri"]))
                if target is None:
                    continue  # a poll of an operation armsim was not asked to start
            else:
                target = f"{sim.endpoint}{url.path}?{url.query}"
            answer = client.send_request(HttpRequest(method, target, json=body_of(request)))
            answer.read()
            run.replayed += 1
            where = f"#{index} {method} {url.path.split('/providers/')[-1]}"
            recorded_status = response["status"]["code"]
            run.check(f"{where} status", recorded_status, answer.status_code)
            recorded_body = body_of(response)
            got_body = answer.json() if answer.text().strip() else None
            if POLL.search(url.path):
                if isinstance(recorded_body, dict) and "status" in recorded_body:
                    run.check(
                        f"{where} operation status", recorded_body["status"], (got_body or {}).get("status")
                    )
                continue
            for name in ("azure-asyncoperation", "location"):
                recorded_url = header(response["headers"], name)
                got_url = header(dict(answer.headers), name)
                run.check(f"{where} {name} header present", recorded_url is not None, got_url is not None)
                if recorded_url and got_url:
                    run.monitors[monitor_key(recorded_url)] = got_url
            if isinstance(recorded_body, dict) and "provisioningState" in recorded_body.get("properties", {}):
                run.check(
                    f"{where} provisioningState",
                    recorded_body["properties"]["provisioningState"],
                    (got_body or {}).get("properties", {}).get("provisioningState"),
                )
        return run


def register_recorded_vhd(sim: ArmsimHandle) -> None:
    account = sim.register_storage_account(
        "mystorageaccount",
        resource_group="test_mgmt_managed_disks_test_create_image_from_blob1cfb14b2",
        subscription=SUB,
        location="westus",
    )
    sim.register_blob(
        "https://mystorageaccount.blob.core.windows.net/inputtestdatadonotdelete/ubuntu.vhd",
        storage_account_id=account,
        size_gb=30,
    )


def test_vm_recording_replays_with_the_recorded_codes_headers_and_progressions():
    run = replay(RECORDINGS / "test_mgmt_compute_vm.test_compute_vm.yaml")
    assert run.mismatches == []
    # create, its polls, gets, instance view, run command, power cycle, generalize, deallocate, delete
    assert run.replayed == 27


def test_gallery_recording_replays_with_the_recorded_codes_headers_and_progressions():
    run = replay(RECORDINGS / "test_mgmt_compute_galleries.test_compute_galleries.yaml")
    assert run.mismatches == []
    # disk and snapshot (with their DiskOperations polls), gallery, definition, an 11-minute version
    # create from the snapshot polled each minute, updates, deletes
    assert run.replayed == 49


def test_managed_image_recording_replays():
    run = replay(
        RECORDINGS / "test_mgmt_managed_disks.test_create_image_from_blob.yaml", register_recorded_vhd
    )
    assert run.mismatches == []
    assert run.replayed == 3


def test_replay_detects_a_divergence():
    """The comparison is live: a slower simulated replication makes the recorded polls disagree."""
    run = replay(
        RECORDINGS / "test_mgmt_compute_galleries.test_compute_galleries.yaml",
        timings={"replication_seconds_per_gb": 4.0},
    )
    assert any("operation status: recorded 'Succeeded', armsim 'InProgress'" in m for m in run.mismatches)


def test_an_unregistered_vhd_diverges_from_the_recording():
    """Without its VHD registered, the image-from-blob PUT is refused as Azure refuses an
    inaccessible blob, so the replay reports it."""
    run = replay(RECORDINGS / "test_mgmt_managed_disks.test_create_image_from_blob.yaml")
    assert any("status: recorded 201, armsim 400" in m for m in run.mismatches)
