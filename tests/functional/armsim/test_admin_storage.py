"""Admin API and seed files for VHD sources (storage accounts, blobs) and for a VM's disks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.__main__ import load_seed
from armsim.backend import Backend
from armsim.errors import ConfigError
from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LOCATION, RG, SUB
from tests.functional.armsim.test_admin_api import call

pytestmark = pytest.mark.timeout(30)
ACCOUNT_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/vhds"
VHD = "https://vhds.blob.core.windows.net/images/os.vhd"
ACCOUNT = {"subscription": SUB, "resource_group": RG, "name": "vhds", "location": LOCATION}


def test_register_a_vhd_over_http_then_import_it(sim: ArmsimHandle, client: ComputeManagementClient):
    status, account = call(sim.endpoint, "POST", "/_armsim/storage-accounts", ACCOUNT)
    assert (status, account["id"], account["location"]) == (201, ACCOUNT_ID, LOCATION)
    blob = {
        "uri": VHD,
        "storage_account_id": ACCOUNT_ID,
        "blob_type": "page",
        "size_gb": 50,
        "os_type": "Linux",
    }
    status, registered = call(sim.endpoint, "POST", "/_armsim/blobs", blob)
    assert (status, registered["vhd_footer"], registered["size_gb"]) == (201, True, 50)
    assert call(sim.endpoint, "GET", "/_armsim/blobs")[1]["blobs"] == [registered]
    assert call(sim.endpoint, "GET", "/_armsim/storage-accounts")[1]["storage_accounts"] == [account]
    body = {
        "location": LOCATION,
        "properties": {
            "creationData": {"createOption": "Import", "sourceUri": VHD, "storageAccountId": ACCOUNT_ID}
        },
    }
    assert client.disks.begin_create_or_update(RG, "imported", body).result().properties.disk_size_gb == 50
    call(sim.endpoint, "POST", "/_armsim/reset", {})
    assert call(sim.endpoint, "GET", "/_armsim/blobs")[1]["blobs"] == []


@pytest.mark.parametrize(
    ("path", "spec", "field"),
    [
        ("/_armsim/storage-accounts", {**ACCOUNT, "name": "Not_Valid"}, "storage_account.name"),
        ("/_armsim/storage-accounts", {**ACCOUNT, "subscription": "nope"}, "storage_account.subscription"),
        ("/_armsim/storage-accounts", {**ACCOUNT, "kind": "BlobStorage"}, "storage_account.kind"),
        ("/_armsim/blobs", {"uri": "ftp://x", "storage_account_id": ACCOUNT_ID}, "blob.uri"),
        ("/_armsim/blobs", {"uri": VHD, "storage_account_id": ACCOUNT_ID + "x"}, "blob.storage_account_id"),
        (
            "/_armsim/blobs",
            {"uri": VHD, "storage_account_id": ACCOUNT_ID, "blob_type": "append"},
            "blob.blob_type",
        ),
        ("/_armsim/blobs", {"uri": VHD, "storage_account_id": ACCOUNT_ID, "size_gb": 0}, "blob.size_gb"),
        (
            "/_armsim/blobs",
            {"uri": VHD, "storage_account_id": ACCOUNT_ID, "vhd_footer": "yes"},
            "blob.vhd_footer",
        ),
        (
            "/_armsim/blobs",
            {"uri": VHD.replace("vhds.", "other."), "storage_account_id": ACCOUNT_ID},
            "blob.uri",
        ),
    ],
)
def test_bad_registrations_name_the_field(sim: ArmsimHandle, path: str, spec: dict[str, Any], field: str):
    call(sim.endpoint, "POST", "/_armsim/storage-accounts", ACCOUNT)
    status, error = call(sim.endpoint, "POST", path, spec)
    assert status == 400
    assert error["error"]["code"] == "InvalidAdminRequest"
    assert error["error"]["message"].startswith(field + ":")


def test_a_seed_file_registers_vhds_and_seeds_vms_with_disk_delete_options(tmp_path: Path):
    seed = tmp_path / "seed.json"
    vm = {
        "subscription": SUB,
        "resource_group": RG,
        "name": "vm",
        "architecture": "Arm64",
        "os_disk_delete_option": "Delete",
        "data_disks": [{"lun": 0, "size_gb": 4, "delete_option": "Delete"}],
    }
    blob = {"uri": VHD, "storage_account_id": ACCOUNT_ID, "size_gb": 30}
    seed.write_text(json.dumps({"vms": [vm], "storage_accounts": [ACCOUNT], "blobs": [blob]}))
    backend = Backend()
    assert load_seed(backend, seed) == 1
    assert [b.storage_account_id for b in backend.blobs.values()] == [ACCOUNT_ID]
    disks = sorted(backend.disks.values(), key=lambda d: d.name)
    assert [d.facts.architecture for d in disks] == [None, "Arm64"]
    (seeded,) = backend.vms.values()
    assert sorted(seeded.disk_delete_options().items()) == sorted((d.id, "Delete") for d in disks)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"os_disk_delete_option": "Keep"}, "vm.os_disk_delete_option"),
        (
            {"data_disks": [{"lun": 0, "size_gb": 1, "delete_option": "Keep"}]},
            "vm.data_disks[0].delete_option",
        ),
        ({"architecture": "arm32"}, "vm.architecture"),
    ],
)
def test_bad_disk_seed_fields_are_named(sim: ArmsimHandle, spec: dict[str, Any], field: str):
    with pytest.raises(ConfigError) as err:
        sim.seed_vm("vm", resource_group=RG, **spec)
    assert str(err.value).startswith(field + ":")
