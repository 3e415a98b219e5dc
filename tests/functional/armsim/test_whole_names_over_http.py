"""Names and ids that reach armsim in request bodies and paths are matched whole: a trailing line
break or non-ASCII digits are refused, never read as the plain name. (A path holding a decoded line
break does not reach armsim at all: aiohttp's catch-all route `/{tail:.*}` answers it 404.)"""

from __future__ import annotations

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import ComputeManagementClient

from armsim.errors import ConfigError
from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LOCATION, RG, SUB, definition_body, generalized_vm, version_body

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize("name", ["\u0661.\u0660.\u0660", "\u0661.0.0", "\uff11.0.0"])
def test_a_version_name_of_non_ascii_digits_is_refused(
    sim: ArmsimHandle, client: ComputeManagementClient, name: str
):
    vm_id = generalized_vm(sim)
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    client.gallery_images.begin_create_or_update(RG, "gal", "app", definition_body()).result()
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", name, version_body(vm_id))
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidParameter")
    assert err.value.error.target == "galleryImageVersionName"
    assert list(client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app")) == []


def test_a_sharing_group_id_with_a_trailing_newline_is_no_guid(client: ComputeManagementClient):
    body = {"location": LOCATION, "properties": {"sharingProfile": {"permissions": "Groups"}}}
    client.galleries.begin_create_or_update(RG, "gal", body).result()
    update = {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": [SUB + "\n"]}]}
    with pytest.raises(HttpResponseError) as err:
        client.gallery_sharing_profile.begin_update(RG, "gal", update)
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidParameter")
    assert "is not a valid GUID" in err.value.error.message


def test_seeds_with_a_subscription_ending_in_a_newline_are_refused(sim: ArmsimHandle):
    with pytest.raises(ConfigError, match=r"^vm\.subscription"):
        sim.seed_vm("vm", subscription=SUB + "\n")
    subnet = {
        "subscription": SUB + "\n",
        "resource_group": RG,
        "virtual_network": "vnet",
        "name": "default",
        "location": LOCATION,
    }
    answer = requests.post(f"{sim.endpoint}/_armsim/subnets", json=subnet, timeout=5)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "InvalidAdminRequest")
    assert answer.json()["error"]["message"].startswith("subnet.subscription: must be a GUID")


def test_a_storage_account_or_blob_registered_with_a_trailing_newline_is_refused(sim: ArmsimHandle):
    account = {"subscription": SUB, "resource_group": RG, "name": "vhds\n"}
    answer = requests.post(f"{sim.endpoint}/_armsim/storage-accounts", json=account, timeout=5)
    assert (answer.status_code, answer.json()["error"]["message"][:21]) == (400, "storage_account.name:")
    account_id = sim.register_storage_account("vhds", resource_group=RG)
    blob = {"uri": "https://vhds.blob.core.windows.net/c/os.vhd\n", "storage_account_id": account_id}
    answer = requests.post(f"{sim.endpoint}/_armsim/blobs", json=blob, timeout=5)
    assert (answer.status_code, answer.json()["error"]["message"][:9]) == (400, "blob.uri:")
