"""The guest agent's timeline, boot failures and scripted Run Command results (fault API), the
Run Command log — through the real SDK and the admin HTTP API."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import RG, seed
from tests.functional.armsim.gate_support import WINDOWS_OS_PROFILE, admin, make_version, vm_body

pytestmark = pytest.mark.timeout(30)


def agent(client: ComputeManagementClient, name: str = "gate") -> tuple[str, str]:
    status = client.virtual_machines.instance_view(RG, name).vm_agent.statuses[0]
    return str(status.display_status), str(status.message)


def run(
    client: ComputeManagementClient, script: list[str], vm: str = "gate", command: str = "RunShellScript"
):
    return client.virtual_machines.begin_run_command(
        RG, vm, {"commandId": command, "script": script}
    ).result()


def test_the_agent_is_ready_a_while_after_provisioning_and_after_a_restart(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client)
    client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id), polling=False)
    assert agent(client) == ("Not Ready", "VM status blob is found but not yet populated.")
    sim.advance(sim.backend.timing.vm_create)
    assert client.virtual_machines.get(RG, "gate").properties.provisioning_state == "Succeeded"
    assert agent(client)[0] == "Not Ready"
    sim.advance(sim.backend.timing.vm_agent_ready)
    assert agent(client) == ("Ready", "GuestAgent is running and processing the extensions.")
    client.virtual_machines.begin_restart(RG, "gate", polling=False)
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "gate").statuses]
    assert codes[-1] == "PowerState/starting"
    assert agent(client)[0] == "Not Ready"
    sim.advance(sim.backend.timing.power_off + sim.backend.timing.start + sim.backend.timing.vm_agent_ready)
    assert agent(client)[0] == "Ready"


def test_restart_needs_a_running_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "stopped", power_state="deallocated")
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_restart(RG, "stopped")
    assert (err.value.status_code, err.value.error.code) == (409, "OperationNotAllowed")


def test_an_agent_that_never_reports_fails_run_command(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client)
    sim.set_fault("virtualMachines.createOrUpdate", kind="agent_not_ready", resource="gate")
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id)).result()
    assert vm.properties.provisioning_state == "Succeeded"
    sim.advance(24 * 3600)
    assert agent(client) == ("Not Ready", "VM Agent is unresponsive.")
    with pytest.raises(HttpResponseError) as err:
        run(client, ["echo hi"])
    assert err.value.error.code == "VMAgentStatusCommunicationError"
    assert err.value.error.message.startswith("VM 'gate' has not reported status for VM agent or extensions.")
    (record,) = sim.run_commands("gate")
    assert (record.failed, record.script) == ("VMAgentStatusCommunicationError", ["echo hi"])


def test_os_provisioning_that_times_out_fails_the_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client)
    answer = admin(
        sim,
        "POST",
        "faults",
        {
            "operation": "virtualMachines.createOrUpdate",
            "kind": "os_provisioning_timeout",
            "resource": "gate",
        },
    )
    assert answer.status_code == 201
    start = sim.clock.now()
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id)).result()
    assert err.value.error.code == "OSProvisioningTimedOut"
    assert err.value.error.message.startswith(
        "OS Provisioning for VM 'gate' did not finish in the allotted time. The VM may still finish"
    )
    assert (sim.clock.now() - start).total_seconds() >= sim.backend.timing.os_provisioning_timeout
    vm = client.virtual_machines.get(RG, "gate", expand="instanceView")
    assert vm.properties.provisioning_state == "Failed"
    statuses = vm.properties.instance_view.statuses
    assert [s.code for s in statuses] == [
        "ProvisioningState/failed/OSProvisioningTimedOut",
        "PowerState/running",
    ]
    assert (statuses[0].level, statuses[0].display_status) == ("Error", "Provisioning failed")
    assert vm.properties.instance_view.vm_agent.statuses[0].display_status == "Not Ready"
    # the fault named this VM only: the next one boots
    client.virtual_machines.begin_create_or_update(RG, "next", vm_body(version_id)).result()


def test_a_scripted_linux_run_reports_its_output_but_never_its_exit_code(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, "gate")
    sim.set_fault(
        "virtualMachines.runCommand",
        kind="run_command_result",
        script_contains="apt-get",
        exit_code=100,
        stdout="0 upgraded, 0 newly installed\n",
        stderr="nothing to update",
    )
    patched = run(client, ["sudo apt-get -y upgrade"])
    (status,) = patched.value
    assert status.code == "ProvisioningState/succeeded"
    assert (
        status.message
        == "Enable succeeded: \n[stdout]\n0 upgraded, 0 newly installed\n\n[stderr]\nnothing to update"
    )
    plain = run(client, ["uptime"])  # the fault was for scripts with apt-get in them
    assert plain.value[0].message == "Enable succeeded: \n[stdout]\n\n[stderr]\n"
    first, second = sim.run_commands("gate")
    assert (first.exit_code, first.scripted, first.script) == (100, True, ["sudo apt-get -y upgrade"])
    assert (second.exit_code, second.scripted) == (0, False)


def test_a_scripted_windows_run_reports_stdout_and_stderr(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "win", os_type="Windows")
    sim.set_fault(
        "*", kind="run_command_result", stdout="KB5034441 installed", stderr="reboot pending", exit_code=3010
    )
    result = run(client, ["Install-WindowsUpdate"], vm="win", command="RunPowerShellScript")
    assert [(v.code, v.message) for v in result.value] == [
        ("ComponentStatus/StdOut/succeeded", "KB5034441 installed"),
        ("ComponentStatus/StdErr/succeeded", "reboot pending"),
    ]
    assert sim.run_commands("win")[0].exit_code == 3010


def test_a_failing_scripted_deprovision_leaves_the_guest_as_it_was(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, "gate")
    sim.set_fault(
        "virtualMachines.runCommand", kind="run_command_result", exit_code=1, stderr="waagent: not found"
    )
    run(client, ["sudo waagent -deprovision+user -force"])
    assert agent(client)[0] == "Ready"  # not deprovisioned: the agent still runs
    out = run(client, ["sudo waagent -deprovision+user -force"]).value[0].message
    assert "waagent service will be stopped" in out
    assert agent(client)[0] == "Not Ready"


def test_output_is_the_last_4_kib_of_each_stream(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "gate")
    sim.set_fault("virtualMachines.runCommand", kind="run_command_result", stdout="x" * 5000 + "END")
    message = run(client, ["cat big.log"]).value[0].message
    stdout = message.split("\n[stdout]\n", 1)[1].split("\n[stderr]\n", 1)[0]
    assert len(stdout.encode()) == 4096
    assert stdout.endswith("END")
    assert len(sim.run_commands("gate")[0].stdout) == 5003  # the log keeps all of it


def test_the_run_command_log_over_the_admin_api(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "a")
    seed(sim, "b")
    run(client, ["echo one"], vm="a")
    run(client, ["echo two"], vm="b")
    run(client, ["echo three"], vm="a")
    everything = admin(sim, "GET", "run-commands").json()["runs"]
    assert [(r["seq"], r["vm"], r["script"]) for r in everything] == [
        (1, "a", ["echo one"]),
        (2, "b", ["echo two"]),
        (3, "a", ["echo three"]),
    ]
    assert {"vm_id", "command_id", "started_at", "ends_at", "exit_code", "stdout", "stderr"} <= set(
        everything[0]
    )
    only_a = admin(sim, "GET", "run-commands?vm=a&since=1").json()["runs"]
    assert [r["script"] for r in only_a] == [["echo three"]]
    assert admin(sim, "GET", "run-commands?since=x").status_code == 400


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"exit_code": "1"}, "fault.exit_code"),
        ({"exit_code": 2**40}, "fault.exit_code"),
        ({"stdout": 5}, "fault.stdout"),
        ({"script_contains": ["apt"]}, "fault.script_contains"),
    ],
)
def test_bad_scripted_results_are_refused_by_field(sim: ArmsimHandle, fault: dict[str, object], field: str):
    answer = admin(sim, "POST", "faults", {"operation": "*", "kind": "run_command_result", **fault})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"{field}:")


def test_a_windows_vm_from_a_gallery_image_boots_and_runs(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client, os_type="Windows")
    client.virtual_machines.begin_create_or_update(
        RG, "gate", vm_body(version_id, os_profile=WINDOWS_OS_PROFILE)
    ).result()
    sim.advance(sim.backend.timing.vm_agent_ready)
    result = run(client, ["Get-Date"], command="RunPowerShellScript")
    assert [v.code for v in result.value] == [
        "ComponentStatus/StdOut/succeeded",
        "ComponentStatus/StdErr/succeeded",
    ]
