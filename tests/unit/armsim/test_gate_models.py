"""Models behind the test-VM gate and the version lifecycle: subnets and NICs, run results as each
OS reports them, the boot timeline, soft-delete entries, teardown by deleteOption."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from armsim.__main__ import load_seed
from armsim.backend import Backend
from armsim.errors import ConfigError, InvalidParameterError
from armsim.faults import FaultBook, parse_fault
from armsim.handlers.version_lifecycle import version_order
from armsim.ids import Scope, key
from armsim.models.disk import disks_of_vm
from armsim.models.image_version import ImageVersion
from armsim.models.lifecycle import Lifecycle
from armsim.models.network import NetworkInterface, Subnet
from armsim.models.run_command_script import ScriptOutcome, action_result, tail
from armsim.models.soft_delete import SoftDeletePolicy, parse_policy, soft_deleted_entry
from armsim.models.vm import DataDisk, VirtualMachine
from armsim.models.vm_agent import Boot, os_provisioning_timed_out
from armsim.models.vm_teardown import teardown

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCOPE = Scope("00000000-0000-0000-0000-000000000000", "rg")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_subnet_hands_out_addresses_after_the_four_azure_keeps():
    subnet = Subnet(SCOPE, "vnet", "default", "West US", "10.1.2.0/24", Lifecycle(T0, T0))
    assert [subnet.next_address() for _ in range(3)] == ["10.1.2.4", "10.1.2.5", "10.1.2.6"]
    assert subnet.in_region("westus") and not subnet.in_region("eastus")
    assert subnet.id.endswith("/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default")


def test_a_nic_is_attached_until_the_vm_deletion_ends():
    nic = NetworkInterface(
        SCOPE, "n", "westus", "s", "ip", "10.0.0.4", True, "Detach", {}, Lifecycle(T0, T0), "vm"
    )
    assert nic.attached_vm(at(10)) == "vm"
    nic.detached_at = at(20)
    assert (nic.attached_vm(at(19)), nic.attached_vm(at(20))) == ("vm", None)
    assert "virtualMachine" not in nic.to_resource(at(20))["properties"]


def test_run_results_as_each_os_reports_them():
    outcome = ScriptOutcome("out\n", "err", 7)
    assert action_result("Linux", outcome) == {
        "value": [
            {
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "message": "Enable succeeded: \n[stdout]\nout\n\n[stderr]\nerr",
            }
        ]
    }
    windows = action_result("Windows", outcome)["value"]
    assert [(v["code"], v["message"]) for v in windows] == [
        ("ComponentStatus/StdOut/succeeded", "out\n"),
        ("ComponentStatus/StdErr/succeeded", "err"),
    ]
    assert "7" not in json.dumps(action_result("Linux", outcome))  # the exit code is never reported


def test_tail_keeps_the_last_bytes_without_splitting_a_character():
    assert tail("abc", 2) == "bc"
    assert tail("é" * 3, 3) == "é"  # 6 bytes; the last 3 hold one whole character
    assert tail("short") == "short"


def test_boot_reports_the_agent_and_a_timed_out_provisioning():
    normal = Boot(agent_ready_at=at(60))
    assert (normal.agent_reports(at(59)), normal.agent_reports(at(60))) == (False, True)
    assert (
        normal.unready_message(at(30), provisioned=False) == "VM status blob is found but not yet populated."
    )
    assert normal.provisioning_status(at(0)) is None
    silent = Boot(agent_ready_at=None)
    assert silent.unready_message(at(30), provisioned=True) == "VM Agent is unresponsive."
    failed = Boot(agent_ready_at=None, error=os_provisioning_timed_out("vm"))
    status = failed.provisioning_status(at(2400))
    assert status is not None and status["code"] == "ProvisioningState/failed/OSProvisioningTimedOut"


def test_script_faults_match_on_the_script_text():
    book = FaultBook()
    book.add(
        parse_fault(
            {"operation": "*", "kind": "run_command_result", "script_contains": "apt", "exit_code": 3}
        )
    )
    assert book.take(("run_command_result",), "virtualMachines.runCommand", "vm", None, "uptime") is None
    taken = book.take(("run_command_result",), "virtualMachines.runCommand", "vm", None, "apt-get upgrade")
    assert taken is not None and taken.exit_code == 3
    assert book.list() == []


def test_version_order_is_numeric():
    assert sorted(["1.10.0", "1.2.0", "1.9.9", "2.0.0"], key=version_order) == [
        "1.2.0",
        "1.9.9",
        "1.10.0",
        "2.0.0",
    ]


def test_soft_delete_policy_and_retention():
    assert parse_policy({}, None) is None
    policy = parse_policy({"properties": {"softDeletePolicy": {"isSoftDeleteEnabled": True}}}, None)
    assert policy == SoftDeletePolicy(True, 7, 0)
    with pytest.raises(InvalidParameterError):
        parse_policy({"properties": {"softDeletePolicy": {"isSoftDeleteEnabled": "yes"}}}, None)
    with pytest.raises(InvalidParameterError):
        parse_policy({"properties": {"softDeletePolicy": {"retentionPeriodInDays": -1}}}, None)
    version = object.__new__(ImageVersion)  # the entry's times do not read the version
    entry = soft_deleted_entry(version, SoftDeletePolicy(True, 7, 2), at(100))
    assert (entry.visible(at(99)), entry.visible(at(100))) == (False, True)
    assert entry.purge_at == at(100) + timedelta(days=9)


def _vm() -> VirtualMachine:
    return VirtualMachine(
        scope=SCOPE,
        name="vm",
        location="westus",
        os_type="Linux",
        vm_size="Standard_D2s_v5",
        os_disk_size_gb=30,
        data_disks=[DataDisk(0, 8), DataDisk(1, 16)],
        hyper_v_generation="V2",
        security_type="Standard",
        tags={},
        lifecycle=Lifecycle(T0, T0),
    )


def test_teardown_deletes_or_detaches_by_delete_option():
    vm = _vm()
    vm.os_disk_delete_option = "Delete"
    vm.data_disks[1].delete_option = "Delete"
    gone = NetworkInterface(
        SCOPE, "a", "westus", "s", "ip", "10.0.0.4", True, "Delete", {}, Lifecycle(T0, T0), vm.id
    )
    kept = NetworkInterface(
        SCOPE, "b", "westus", "s", "ip", "10.0.0.5", False, "Detach", {}, Lifecycle(T0, T0), vm.id
    )
    vm.network_interfaces = [gone.id, kept.id]
    nics = {key(gone.id): gone, key(kept.id): kept}
    disks = {key(d.id): d for d in disks_of_vm(vm, T0, T0)}
    vm.lifecycle.start_delete(at(0), at(5))
    teardown(vm, nics, disks, at(0), at(5))
    assert (gone.lifecycle.is_gone(at(5)), kept.lifecycle.is_gone(at(5))) == (True, False)
    assert kept.attached_vm(at(5)) is None
    while_deleting = {d.name: (d.provisioning_state(at(4)), d.disk_state(at(4))) for d in disks.values()}
    assert set(while_deleting.values()) == {("Deleting", "Attached"), ("Succeeded", "Attached")}
    (left,) = [d for d in disks.values() if not d.lifecycle.is_gone(at(5))]
    assert (left.name, left.facts.size_gb, left.facts.os_type) == ("vm_DataDisk_0", 8, None)
    assert (left.disk_state(at(5)), left.to_resource(at(5)).get("managedBy")) == ("Unattached", None)


def test_teardown_leaves_disks_another_vm_holds_alone():
    vm, other = _vm(), _vm()
    other.name = "other"
    vm.os_disk_delete_option = "Delete"
    disks = {key(d.id): d for d in disks_of_vm(vm, T0, T0)}
    os_disk = disks[key(vm.disk_id(vm.os_disk_name()))]
    os_disk.vm = other  # e.g. a VM of the same name seeded again took the disk over
    teardown(vm, {}, disks, at(0), at(5))
    assert not os_disk.lifecycle.is_deleting(at(1))


def test_a_seed_file_may_carry_subnets(tmp_path: Path):
    seed = tmp_path / "seed.json"
    subnet = {"subscription": SCOPE.subscription, "resource_group": "rg", "virtual_network": "v", "name": "s"}
    seed.write_text(json.dumps({"vms": [], "subnets": [{**subnet, "location": "westus"}]}))
    backend = Backend()
    assert load_seed(backend, seed) == 0
    assert [s.name for s in backend.subnets.values()] == ["s"]
    seed.write_text(json.dumps({"subnets": [subnet]}))
    with pytest.raises(ConfigError, match=r"subnet\.location"):
        load_seed(backend, seed)
