"""Disks, snapshots, sharing profiles, resource ids and the storage strategy, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from armsim.handlers.version_publishing import region_sku, storage_strategy
from armsim.ids import Scope, key
from armsim.models.disk import DiskFacts, disks_of_vm
from armsim.models.lifecycle import Lifecycle
from armsim.models.sharing import SharingProfile
from armsim.models.snapshot import Snapshot
from armsim.models.storage import account_name_of, blob_key
from armsim.models.vm import DEALLOCATED, DataDisk, VirtualMachine
from armsim.models.vm_teardown import teardown
from armsim.resource_ids import DISK, SNAPSHOT, STORAGE_ACCOUNT, VERSION, parse_ref

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCOPE = Scope("00000000-0000-0000-0000-000000000000", "rg")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def vm(**fields: object) -> VirtualMachine:
    base: dict[str, object] = {
        "scope": SCOPE,
        "name": "vm",
        "location": "westus",
        "os_type": "Linux",
        "vm_size": "Standard_D2s_v5",
        "os_disk_size_gb": 30,
        "data_disks": [DataDisk(0, 8, "Delete")],
        "hyper_v_generation": "V2",
        "security_type": "Standard",
        "tags": {},
        "lifecycle": Lifecycle(T0, T0),
    }
    base.update(fields)
    return VirtualMachine(**base)  # type: ignore[arg-type]


def test_resource_ids_parse_with_or_without_the_leading_slash():
    ref = parse_ref("subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/snap")
    assert ref is not None
    assert (ref.kind, ref.name, ref.id) == (
        SNAPSHOT,
        "snap",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/snap",
    )
    version = parse_ref(
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.0"
    )
    assert version is not None and (version.kind, version.names) == (VERSION, ("g", "d", "1.0.0"))
    account = parse_ref("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a")
    assert account is not None and account.kind == STORAGE_ACCOUNT
    disk = parse_ref("/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.compute/DISKS/d/")
    assert disk is not None and disk.kind == DISK
    assert parse_ref("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks") is None
    assert parse_ref("https://vhds.blob.core.windows.net/c/os.vhd") is None


def test_a_vms_disks_follow_it_and_go_with_it_on_delete_option_delete():
    machine = vm()
    os_disk, data = disks_of_vm(machine, T0, T0)
    assert (os_disk.facts.os_type, os_disk.facts.hyper_v_generation, data.facts.os_type) == (
        "Linux",
        "V2",
        None,
    )
    assert (os_disk.disk_state(at(1)), data.disk_state(at(1))) == ("Attached", "Attached")
    machine.power = DEALLOCATED
    assert os_disk.disk_state(at(2)) == "Reserved"
    machine.lifecycle.start_delete(at(10), at(20))
    teardown(machine, {}, {key(d.id): d for d in (os_disk, data)}, at(10), at(20))
    assert os_disk.disk_state(at(15)) == "Reserved"  # still attached while the VM is deleting
    assert data.provisioning_state(at(15)) == "Deleting"  # deleteOption Delete: it goes with the VM
    assert (os_disk.disk_state(at(20)), os_disk.lifecycle.is_gone(at(20))) == ("Unattached", False)
    assert data.lifecycle.is_gone(at(20))


def test_disk_facts_render_only_what_the_disk_reports():
    assert DiskFacts(8).properties() == {}
    trusted = DiskFacts(30, "Windows", "V2", "x64", "TrustedLaunch").properties()
    assert trusted["securityProfile"] == {"securityType": "TrustedLaunch"}
    confidential = DiskFacts(30, security_type="ConfidentialVM").properties()
    assert confidential["securityProfile"]["securityType"].startswith("ConfidentialVM_")


def test_incremental_snapshot_progress_and_access_state():
    snap = Snapshot(
        SCOPE, "s", "westus", DiskFacts(100), "Standard_LRS", True, {}, Lifecycle(T0, at(1)), at(200)
    )
    assert [snap.completion_percent(at(s)) for s in (0, 50, 100, 199.9, 200, 900)] == [
        0.0,
        25.0,
        50.0,
        99.9,
        100.0,
        100.0,
    ]
    assert (snap.access_state(at(199)), snap.access_state(at(200))) == ("Pending", "Available")
    body = snap.to_resource(at(0.5))
    assert (body["properties"]["provisioningState"], body["properties"]["completionPercent"]) == (
        "Updating",
        0.2,
    )


def test_sharing_profile_groups_keep_order_and_ignore_case_for_duplicates():
    profile = SharingProfile("Groups")
    profile.add("Subscriptions", ["A", "b"])
    profile.add("Subscriptions", ["a", "c"])
    assert profile.groups == {"Subscriptions": ["A", "b", "c"]}
    profile.remove("Subscriptions", ["B", "A", "c"])
    assert profile.groups == {}
    assert profile.to_body(show_groups=True) == {"permissions": "Groups", "groups": []}
    assert profile.to_body(show_groups=False) == {"permissions": "Groups"}


def test_storage_strategy_defaults_by_api_version_and_picks_zrs_where_zones_are():
    assert storage_strategy({}, "2025-03-03") == "PreferStandard_ZRS"
    assert storage_strategy({}, "2024-03-03") is None
    assert storage_strategy({"storageAccountType": "Premium_LRS"}, "2026-03-03") is None
    assert (
        storage_strategy({"storageAccountStrategy": "defaultstandard_lrs"}, "2024-03-03")
        == "DefaultStandard_LRS"
    )
    assert [region_sku("PreferStandard_ZRS", r) for r in ("West US", "East US 2", "northeurope")] == [
        "Standard_LRS",
        "Standard_ZRS",
        "Standard_ZRS",
    ]
    assert region_sku("DefaultStandard_LRS", "eastus") == "Standard_LRS"


def test_blob_uris_compare_without_query_and_host_case():
    assert blob_key("https://VHDS.blob.core.windows.net/c/os.vhd?sv=1&sig=x") == blob_key(
        "https://vhds.blob.core.windows.net/c/os.vhd"
    )
    assert account_name_of("https://vhds.blob.core.windows.net/c/os.vhd") == "vhds"
