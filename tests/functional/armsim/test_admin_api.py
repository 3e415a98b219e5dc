"""The /_armsim/ admin HTTP API, the request log, auth, and the `python -m armsim` command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle, VirtualTimeTransport, running_armsim
from imagefactory.azure_client import compute_client
from tests.functional.armsim.conftest import RG, SUB, make_client

pytestmark = pytest.mark.timeout(30)
REPO = Path(__file__).resolve().parents[3]


def call(endpoint: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_seed_over_http_then_read_through_the_sdk(sim: ArmsimHandle, client: ComputeManagementClient):
    status, vm = call(
        sim.endpoint,
        "POST",
        "/_armsim/vms",
        {
            "subscription": SUB,
            "resource_group": RG,
            "name": "seeded",
            "location": "eastus",
            "os_type": "Windows",
            "power_state": "stopped",
            "generalized": True,
            "os_disk_size_gb": 127,
            "data_disks": [{"lun": 0, "size": 10}],
            "hyper_v_generation": "V1",
            "security_type": "TrustedLaunch",
            "tags": {"owner": "ci"},
            "vm_size": "Standard_B2s",
        },
    )
    assert status == 201
    assert (
        vm["id"]
        == f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/seeded"
    )
    got = client.virtual_machines.get(RG, "seeded", expand="instanceView")
    assert got.properties.hardware_profile.vm_size == "Standard_B2s"
    assert got.properties.security_profile.security_type == "TrustedLaunch"
    assert got.properties.instance_view.hyper_v_generation == "V1"
    assert [s.code for s in got.properties.instance_view.statuses][1:] == [
        "OSState/generalized",
        "PowerState/stopped",
    ]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"subscription": "not-a-guid"}, "vm.subscription"),
        ({"os_type": "Solaris"}, "vm.os_type"),
        ({"power_state": "running", "generalized": True}, "vm.power_state"),
        ({"data_disks": [{"lun": 99, "size_gb": 1}]}, "vm.data_disks[0].lun"),
        ({"colour": "blue"}, "vm.colour"),
    ],
)
def test_bad_seed_names_the_field(sim: ArmsimHandle, spec: dict[str, Any], field: str):
    body = {"subscription": SUB, "resource_group": RG, "name": "x", **spec}
    status, error = call(sim.endpoint, "POST", "/_armsim/vms", body)
    assert status == 400
    assert error["error"]["message"].startswith(field)


def test_clock_faults_timings_and_reset_over_http(sim: ArmsimHandle):
    status, clock = call(sim.endpoint, "GET", "/_armsim/clock")
    assert (status, clock["mode"], clock["virtual"]) == (200, "virtual", True)
    _, moved = call(sim.endpoint, "POST", "/_armsim/clock", {"advance_seconds": 90})
    assert moved["now"] == "2026-01-01T00:01:30+00:00"
    _, moved = call(sim.endpoint, "POST", "/_armsim/clock", {"to": "2026-01-02T00:00:00+00:00"})
    assert moved["now"] == "2026-01-02T00:00:00+00:00"
    status, error = call(sim.endpoint, "POST", "/_armsim/clock", {"advance_seconds": -1})
    assert status == 400 and error["error"]["message"].startswith("clock.advance_seconds")

    status, faults = call(
        sim.endpoint, "POST", "/_armsim/faults", {"operation": "virtualMachines.get", "status": 503}
    )
    assert status == 201 and faults["faults"][0]["status"] == 503
    status, error = call(sim.endpoint, "POST", "/_armsim/faults", {"operation": "x", "kind": "meteor"})
    assert status == 400 and error["error"]["message"].startswith("fault.kind")
    assert call(sim.endpoint, "DELETE", "/_armsim/faults")[1] == {"faults": []}

    _, timings = call(sim.endpoint, "POST", "/_armsim/timings", {"deallocate": 5})
    assert timings["deallocate"] == 5
    status, error = call(sim.endpoint, "POST", "/_armsim/timings", {"deallocate": "soon"})
    assert status == 400 and error["error"]["message"].startswith("timings.deallocate")
    status, error = call(sim.endpoint, "POST", "/_armsim/throttling", {"enabled": "yes"})
    assert status == 400 and error["error"]["message"].startswith("throttling.enabled")

    call(sim.endpoint, "POST", "/_armsim/vms", {"subscription": SUB, "resource_group": RG, "name": "gone"})
    assert call(sim.endpoint, "POST", "/_armsim/reset")[0] == 200
    assert sim.backend.vms == {}


def test_request_log_records_kind_operation_and_api_version(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    sim.seed_vm("vm1", resource_group=RG)
    client.virtual_machines.begin_deallocate(RG, "vm1").result()
    _, log = call(sim.endpoint, "GET", "/_armsim/requests")
    entries = [e for e in log["requests"] if e["kind"] != "admin"]
    assert [(e["method"], e["kind"], e["operation"], e["status"]) for e in entries[:2]] == [
        ("POST", "action", "virtualMachines.deallocate", 202),
        ("GET", "async_poll", "operations.get", 200),
    ]
    assert {e["api_version"] for e in entries} == {"2026-04-01"}
    assert entries[-1]["operation"] == "operations.get"  # the final GET of the Location monitor
    since = entries[0]["seq"]
    _, later = call(sim.endpoint, "GET", f"/_armsim/requests?since={since}")
    assert all(e["seq"] > since for e in later["requests"])


def test_wrong_or_missing_token_is_refused(sim: ArmsimHandle):
    status, error = call(
        sim.endpoint,
        "GET",
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
        "Microsoft.Compute/virtualMachines/x?api-version=2026-04-01",
    )
    assert status == 401 and error["error"]["code"] == "AuthenticationFailed"
    status, error = call(
        sim.endpoint,
        "GET",
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
        "Microsoft.Compute/virtualMachines/x?api-version=2026-04-01",
        headers={"Authorization": "Bearer stolen"},
    )
    assert status == 401 and error["error"]["code"] == "InvalidAuthenticationToken"


def test_configured_token_replaces_the_default():
    with running_armsim(token="another-token") as sim:
        sim.seed_vm("vm1", resource_group=RG)
        client = make_client(sim, VirtualTimeTransport(sim.clock))
        with pytest.raises(ClientAuthenticationError):
            client.virtual_machines.get(RG, "vm1")


def test_paths_are_case_insensitive_and_subscription_must_be_a_guid(sim: ArmsimHandle):
    sim.seed_vm("MixedCase", resource_group=RG)
    auth = {"Authorization": "Bearer armsim-local-token"}
    path = f"/SUBSCRIPTIONS/{SUB}/resourcegroups/{RG.upper()}/providers/microsoft.compute"
    path += "/VIRTUALMACHINES/mixedcase"
    status, vm = call(sim.endpoint, "GET", path + "?API-VERSION=2026-04-01", headers=auth)
    assert status == 200 and vm["name"] == "MixedCase"
    status, error = call(
        sim.endpoint,
        "GET",
        "/subscriptions/nope/resourceGroups/rg/providers/Microsoft.Compute/"
        "virtualMachines/x?api-version=2026-04-01",
        headers=auth,
    )
    assert status == 400 and error["error"]["code"] == "InvalidSubscriptionId"


@pytest.mark.timeout(20)
def test_command_line_serves_until_sigterm(tmp_path: Path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"vms": [{"subscription": SUB, "resource_group": RG, "name": "from-file"}]}))
    origin = datetime.now(UTC).replace(microsecond=0)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "armsim",
            "--port",
            "0",
            "--clock",
            "scaled",
            "--scale",
            "1200",
            "--origin",
            origin.isoformat(),
            "--seed",
            str(seed),
            "--no-throttling",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("armsim listening on http://127.0.0.1:")
        endpoint = first.removeprefix("armsim listening on ")
        _, clock = call(endpoint, "GET", "/_armsim/clock")
        # anchored at the origin's instant: simulated time = origin + (now - origin) x 1200
        assert clock["mode"] == "scaled"
        assert origin <= datetime.fromisoformat(clock["now"]) < origin + timedelta(days=1)
        assert "from-file" in {vm.name for vm in make_client_for(endpoint).virtual_machines.list(RG)}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def make_client_for(endpoint: str) -> ComputeManagementClient:
    return compute_client(SUB, endpoint, retry_total=0)


def test_command_line_rejects_a_bad_origin():
    result = subprocess.run(
        [sys.executable, "-m", "armsim", "--clock", "virtual", "--origin", "yesterday"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert "--origin" in result.stderr


def test_request_log_classifies_every_kind_of_call(sim: ArmsimHandle, client: ComputeManagementClient):
    """Benchmarks count ARM calls by kind, so each request must land in the right one."""
    sim.seed_vm("vm1", resource_group=RG, power_state="deallocated")
    client.virtual_machines.get(RG, "vm1")
    client.virtual_machines.generalize(RG, "vm1")
    client.galleries.begin_create_or_update(RG, "gal", {"location": "westus"}).result()
    client.virtual_machines.begin_delete(RG, "vm1").result()
    list(client.virtual_machines.list(RG))
    call(sim.endpoint, "GET", "/_armsim/clock")
    call(sim.endpoint, "GET", "/_armsim/no-such-admin-path")
    seen = {(e.method, e.operation, e.kind, e.status) for e in sim.requests()}
    assert {
        ("GET", "virtualMachines.get", "read", 200),
        ("POST", "virtualMachines.generalize", "action", 200),
        ("PUT", "galleries.createOrUpdate", "write", 201),
        ("GET", "operations.get", "async_poll", 200),
        ("GET", "galleries.get", "read", 200),  # the poller's final GET of the resource
        ("DELETE", "virtualMachines.delete", "delete", 202),
        ("GET", "virtualMachines.list", "read", 200),
        ("GET", "admin.getClock", "admin", 200),
        ("GET", "unknown", "admin", 404),
    } <= seen
    assert {e.kind for e in sim.requests()} == {"read", "action", "write", "async_poll", "delete", "admin"}


def test_refused_token_is_logged_under_its_operation_and_checked_before_the_path(sim: ArmsimHandle):
    vm_path = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/x"
    call(sim.endpoint, "POST", vm_path + "/deallocate?api-version=2026-04-01")
    status, error = call(
        sim.endpoint, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Nowhere/x?api-version=1"
    )
    assert (status, error["error"]["code"]) == (401, "AuthenticationFailed")
    # Like ARM, the 401 carries a bearer challenge.
    challenge = requests.get(sim.endpoint + vm_path + "?api-version=2026-04-01", timeout=5)
    assert challenge.headers["WWW-Authenticate"].startswith('Bearer authorization_uri="https://login.')
    assert 'error="invalid_token"' in challenge.headers["WWW-Authenticate"]
    assert [(e.operation, e.kind, e.status) for e in sim.requests()] == [
        ("virtualMachines.deallocate", "action", 401),
        ("unknown", "read", 401),
        ("virtualMachines.get", "read", 401),
    ]
