"""Every name and id pattern in armsim matches the whole text: no trailing newline slips past a
`$`, and version names take ASCII digits only (`\\d` takes any Unicode digit, and int() reads them)."""

from __future__ import annotations

import pytest

from armsim.backend import Backend
from armsim.errors import ConfigError, InvalidParameterError, InvalidSubscriptionIdError, NoRouteError
from armsim.handlers.vm_images import gallery_image_id
from armsim.ids import check_subscription, check_version_name, is_guid, parse_id
from armsim.resource_ids import parse_ref
from armsim.routes import build_router
from armsim.seeding_storage import register_blob, register_storage_account

SUB = "00000000-0000-0000-0000-000000000000"
PREFIX = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute"


@pytest.mark.parametrize("name", ["0.0.0", "1.2.3", "2147483647.2147483647.2147483647"])
def test_version_names_of_ascii_digits_are_accepted(name: str):
    check_version_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "1.0.0\n",  # `$` matched before it
        "\u0661.\u0660.\u0660",  # Arabic-Indic digits: \d matched them, int() reads them as 1.0.0
        "\u06f1.\u06f0.\u06f0",  # Extended Arabic-Indic
        "\uff11.0.0",  # fullwidth one
        "1.0.0\r",
        "2147483648.0.0",
    ],
)
def test_other_version_names_are_refused(name: str):
    with pytest.raises(InvalidParameterError) as err:
        check_version_name(name)
    assert err.value.target == "galleryImageVersionName"


def test_a_subscription_or_group_id_with_a_trailing_newline_is_no_guid():
    assert is_guid(SUB) and is_guid(SUB.upper())
    assert not is_guid(SUB + "\n")
    with pytest.raises(InvalidSubscriptionIdError):
        check_subscription(SUB + "\n")


def test_a_trailing_newline_stays_part_of_the_name_a_compute_id_gives():
    vm = parse_id(f"{PREFIX}/virtualMachines/vm\n", "target")
    assert (vm.kind, vm.name) == ("virtualMachines", "vm\n")  # never read as the VM 'vm'
    version = parse_id(f"{PREFIX}/galleries/g/images/d/versions/1.0.0\n", "target")
    assert (version.kind, version.name) == ("versions", "1.0.0\n")
    with pytest.raises(InvalidParameterError):
        parse_id(f"{PREFIX}/virtualMachines/vm/\nx", "target")


def test_a_gallery_image_reference_keeps_its_trailing_newline():
    definition = f"{PREFIX}/galleries/g/images/d"
    assert gallery_image_id({"id": definition + "/"}) == definition
    assert gallery_image_id({"id": definition + "\n"}) == definition + "\n"  # then not found
    assert gallery_image_id({"id": definition + "/versions/1.0.0/x"}) is None


def test_a_resource_id_is_read_whole():
    disk = parse_ref(f"{PREFIX}/disks/d")
    assert disk is not None and disk.name == "d"
    assert parse_ref(f" {PREFIX}/disks/d\n") == disk  # surrounding whitespace is dropped first
    assert parse_ref(f"{PREFIX}/disks/d\nx") is None  # a line break inside is no id


@pytest.mark.parametrize("name", ["abc\n", "abc ", "ABC", "ab"])
def test_storage_account_names_are_matched_whole(name: str):
    spec = {"subscription": SUB, "resource_group": "rg", "name": name}
    with pytest.raises(ConfigError, match=r"^storage_account\.name"):
        register_storage_account(Backend(), spec)


@pytest.mark.parametrize(
    "uri",
    [
        "https://vhds.blob.core.windows.net/c/os.vhd\n",
        "https://vhds.blob.core.windows.net/c/os .vhd",
        "https://vhds.blob.core.windows.net/c\n/os.vhd",
    ],
)
def test_blob_uris_are_matched_whole_and_hold_no_whitespace(uri: str):
    backend = Backend()
    account = register_storage_account(backend, {"subscription": SUB, "resource_group": "rg", "name": "vhds"})
    register_blob(
        backend, {"uri": "https://vhds.blob.core.windows.net/c/os.vhd", "storage_account_id": account.id}
    )
    with pytest.raises(ConfigError, match=r"^blob\.uri"):
        register_blob(backend, {"uri": uri, "storage_account_id": account.id})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/_armsim/reset\n"),
        ("POST", f"{PREFIX}/virtualMachines/vm/deallocate\n"),
        ("GET", f"{PREFIX}/galleries/g/images/d/versions\n"),
    ],
)
def test_routes_match_the_whole_path(method: str, path: str):
    router = build_router()
    assert router.match(method, path.rstrip("\n")).route.method == method
    with pytest.raises(NoRouteError):
        router.match(method, path)
