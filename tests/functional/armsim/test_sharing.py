"""Gallery sharing through the SDK's GallerySharingProfileOperations, community galleries, and gallery
names unique per subscription."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LOCATION, RG, SUB

pytestmark = pytest.mark.timeout(30)
SUB_A = "34a4ab42-0d72-47d9-bd1a-aed207386dac"
SUB_B = "380fd389-260b-41aa-bad9-0a83108c370b"
TENANT = "c24c76aa-8897-4027-9b03-8f7928b54ff6"
COMMUNITY = {
    "permissions": "Community",
    "communityGalleryInfo": {
        "publisherUri": "https://contoso.example",
        "publisherContact": "images@contoso.example",
        "eula": "https://contoso.example/eula",
        "publicNamePrefix": "contoso",
    },
}


def gallery(client: ComputeManagementClient, permissions: str | None = "Groups", name: str = "gal") -> None:
    body: dict[str, Any] = {"location": LOCATION}
    if permissions:
        body["properties"] = {"sharingProfile": {"permissions": permissions}}
    client.galleries.begin_create_or_update(RG, name, body).result()


def share(client: ComputeManagementClient, operation: str, *groups: tuple[str, list[str]]) -> Any:
    body: dict[str, Any] = {"operationType": operation}
    if groups:
        body["groups"] = [{"type": t, "ids": ids} for t, ids in groups]
    return client.gallery_sharing_profile.begin_update(RG, "gal", body).result()


def groups(client: ComputeManagementClient) -> dict[str, list[str]]:
    profile = client.galleries.get(RG, "gal", select="Permissions").properties.sharing_profile
    return {g.type: list(g.ids) for g in profile.groups or []}


def test_add_remove_and_reset_share_a_gallery(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client)
    result = share(client, "Add", ("Subscriptions", [SUB_A, SUB_B]), ("AADTenants", [TENANT]))
    assert result.operation_type == "Add"  # the LRO's result is the SharingUpdate, as the SDK reads it
    assert [(g.type, g.ids) for g in result.groups] == [
        ("Subscriptions", [SUB_A, SUB_B]),
        ("AADTenants", [TENANT]),
    ]
    assert groups(client) == {"Subscriptions": [SUB_A, SUB_B], "AADTenants": [TENANT]}
    share(client, "Add", ("Subscriptions", [SUB_A]))  # adding again changes nothing
    share(client, "Remove", ("Subscriptions", [SUB_A]))
    assert groups(client) == {"Subscriptions": [SUB_B], "AADTenants": [TENANT]}
    share(client, "Reset")
    assert groups(client) == {}
    profile = client.galleries.get(RG, "gal", select="Permissions").properties.sharing_profile
    assert profile.permissions == "Groups"


def test_groups_show_only_when_asked_for(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client)
    share(client, "Add", ("Subscriptions", [SUB_A]))
    plain = client.galleries.get(RG, "gal").properties.sharing_profile
    assert (plain.permissions, plain.groups) == ("Groups", None)
    expanded = client.galleries.get(RG, "gal", expand="SharingProfile/Groups").properties.sharing_profile
    assert [g.ids for g in expanded.groups] == [[SUB_A]]


def test_share_is_a_gallery_lro(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client)
    seen: list[tuple[int, dict[str, str]]] = []
    client.gallery_sharing_profile.begin_update(
        RG,
        "gal",
        {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": [SUB_A]}]},
        polling=False,
        raw_response_hook=lambda r: seen.append((r.http_response.status_code, dict(r.http_response.headers))),
    )
    status, headers = seen[0]
    lowered = {k.lower(): v for k, v in headers.items()}
    assert status == 202
    assert "/capsOperations/" in lowered["azure-asyncoperation"]
    assert "monitor=true" in lowered["location"]


@pytest.mark.parametrize(
    ("permissions", "body", "code", "text"),
    [
        (
            None,
            {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": [SUB_A]}]},
            "OperationNotAllowed",
            "'Private'",
        ),
        (
            "Private",
            {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": [SUB_A]}]},
            "OperationNotAllowed",
            "'Private'",
        ),
        ("Groups", {"operationType": "Add"}, "InvalidParameter", "'groups' is missing"),
        (
            "Groups",
            {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": ["x"]}]},
            "InvalidParameter",
            "not a valid GUID",
        ),
        (
            "Groups",
            {"operationType": "Add", "groups": [{"type": "Users", "ids": [SUB_A]}]},
            "InvalidParameter",
            "Subscriptions, AADTenants",
        ),
        ("Groups", {"operationType": "Publish"}, "InvalidParameter", "Add, Remove, Reset, EnableCommunity"),
        (
            "Groups",
            {"operationType": "EnableCommunity"},
            "OperationNotAllowed",
            "cannot be shared to the community",
        ),
    ],
)
def test_share_refusals(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    permissions: str | None,
    body: dict[str, Any],
    code: str,
    text: str,
):
    gallery(client, permissions)
    with pytest.raises(HttpResponseError) as err:
        client.gallery_sharing_profile.begin_update(RG, "gal", body)
    assert err.value.error.code == code
    assert text in err.value.error.message


def test_direct_sharing_limits(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client)
    many = [f"00000000-0000-0000-0000-{n:012d}" for n in range(31)]
    with pytest.raises(HttpResponseError) as err:
        share(client, "Add", ("Subscriptions", many))
    assert err.value.error.message == "A gallery can be shared with at most 30 Subscriptions."
    assert groups(client) == {}  # a refused update changes nothing
    share(client, "Add", ("Subscriptions", many[:30]))
    with pytest.raises(HttpResponseError):
        share(client, "Add", ("AADTenants", many[:6]))
    assert len(groups(client)["Subscriptions"]) == 30


def test_community_gallery(sim: ArmsimHandle, client: ComputeManagementClient):
    client.galleries.begin_create_or_update(
        RG, "gal", {"location": LOCATION, "properties": {"sharingProfile": COMMUNITY}}
    ).result()
    info = client.galleries.get(RG, "gal").properties.sharing_profile.community_gallery_info
    assert (info.publisher_contact, info.public_name_prefix, info.community_gallery_enabled) == (
        "images@contoso.example",
        "contoso",
        False,
    )
    assert share(client, "EnableCommunity").operation_type == "EnableCommunity"
    enabled = client.galleries.get(RG, "gal").properties.sharing_profile.community_gallery_info
    assert enabled.community_gallery_enabled is True
    assert enabled.public_names[0].startswith("contoso-")
    client.galleries.begin_update(
        RG, "gal", {"properties": {"sharingProfile": {"communityGalleryInfo": {"eula": "v2"}}}}
    ).result()
    updated = client.galleries.get(RG, "gal").properties.sharing_profile.community_gallery_info
    assert (updated.eula, updated.publisher_uri, updated.community_gallery_enabled) == (
        "v2",
        "https://contoso.example",
        True,
    )
    share(client, "Reset")
    assert (
        client.galleries.get(
            RG, "gal"
        ).properties.sharing_profile.community_gallery_info.community_gallery_enabled
        is False
    )


def test_community_needs_its_publisher_information(sim: ArmsimHandle, client: ComputeManagementClient):
    partial = {
        "permissions": "Community",
        "communityGalleryInfo": {"publisherUri": "https://contoso.example"},
    }
    with pytest.raises(HttpResponseError) as err:
        client.galleries.begin_create_or_update(
            RG, "gal", {"location": LOCATION, "properties": {"sharingProfile": partial}}
        )
    assert err.value.error.message == "Required parameter 'publisherContact' is missing (null)."
    gallery(client, "Private")
    with pytest.raises(HttpResponseError):
        client.galleries.begin_update(
            RG, "gal", {"properties": {"sharingProfile": {"permissions": "Community"}}}
        )
    assert client.galleries.get(RG, "gal").properties.sharing_profile.permissions == "Private"  # unchanged


def test_switching_a_gallery_to_groups_then_sharing_it(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client, None)
    assert client.galleries.get(RG, "gal").properties.sharing_profile is None
    client.galleries.begin_update(
        RG, "gal", {"properties": {"sharingProfile": {"permissions": "Groups"}}}
    ).result()
    share(client, "Add", ("AADTenants", [TENANT]))
    assert groups(client) == {"AADTenants": [TENANT]}
    client.galleries.begin_update(
        RG, "gal", {"properties": {"sharingProfile": {"permissions": "Private"}}}
    ).result()
    assert groups(client) == {}  # a private gallery is shared with no one


def test_gallery_names_are_unique_within_the_subscription(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client, None)
    with pytest.raises(ResourceExistsError) as err:
        client.galleries.begin_create_or_update("other-rg", "GAL", {"location": LOCATION})
    assert err.value.status_code == 409
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == (
        f"The gallery name 'GAL' is not unique within the subscription '{SUB}'. "
        "Please pick another gallery name."
    )
    client.galleries.begin_create_or_update(
        RG, "gal", {"location": LOCATION}
    ).result()  # same group: an update
    client.galleries.begin_delete(RG, "gal").result()
    client.galleries.begin_create_or_update("other-rg", "gal", {"location": LOCATION}).result()  # freed


def test_an_injected_failure_fails_the_share_operation(sim: ArmsimHandle, client: ComputeManagementClient):
    gallery(client)
    sim.set_fault("galleries.share", kind="operation_failed", message="sharing failed")
    with pytest.raises(HttpResponseError) as err:
        share(client, "Add", ("Subscriptions", [SUB_A]))
    assert "sharing failed" in str(err.value)
    # a region-scoped fault finds the gallery's region through the share path (the SDK retries it)
    sim.set_fault("galleries.share", status=429, region="westus")
    since = len(sim.requests())
    share(client, "Reset")
    statuses = [e.status for e in sim.requests(since) if e.operation == "galleries.share"]
    assert statuses == [429, 202]
