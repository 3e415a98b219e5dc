"""Builds the one `ComputeManagementClient` the product talks to Azure with.

Azure and the local ARM simulator differ only in endpoint and credential. Against Azure the
client uses `DefaultAzureCredential` and the SDK's own bearer-token policy. Against a loopback
http endpoint (armsim) bearer tokens are refused by azure-core over plain http, so a fixed-token
policy is installed instead, and that policy refuses to send its token anywhere but loopback:
a misconfigured endpoint can never leak a credential to a non-local http URL.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

if TYPE_CHECKING:
    from azure.mgmt.compute import ComputeManagementClient

AZURE_PUBLIC_ENDPOINT = "https://management.azure.com"
LOCAL_TOKEN = "armsim-local-token"  # not a secret: a fixed token only ever sent to loopback


class NonLocalEndpointError(ValueError):
    """Raised when a fixed local token would be sent to an endpoint that is not loopback."""


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is localhost or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalFixedTokenPolicy(SansIOHTTPPolicy[Any, Any]):
    """Sets `Authorization: Bearer <fixed>` on requests to loopback, and refuses anything else.

    Checked per request, not once at construction, because the LRO poller follows absolute URLs
    from response headers: a hostile or broken server could point them elsewhere.
    """

    def __init__(self, token: str = LOCAL_TOKEN) -> None:
        self._token = token

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = request.http_request.url
        if not is_loopback_url(url):
            raise NonLocalEndpointError(
                f"refusing to send the local development token to non-loopback URL {url!r}"
            )
        request.http_request.headers["Authorization"] = f"Bearer {self._token}"


class _UnusedCredential:
    """The client requires a credential object even when a custom auth policy replaces it."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise RuntimeError("the local endpoint uses a fixed-token policy; no credential is fetched")


def compute_client(
    subscription_id: str,
    endpoint: str = AZURE_PUBLIC_ENDPOINT,
    *,
    credential: TokenCredential | None = None,
    **client_kwargs: Any,
) -> ComputeManagementClient:
    """A `ComputeManagementClient` for `endpoint`.

    Loopback endpoints (the simulator) get the fixed-token policy; every other endpoint must be
    https and uses `credential` (default: `DefaultAzureCredential`), asking for a token for that
    endpoint's own audience (`<endpoint>/.default`): the SDK would otherwise ask for the public
    cloud's, and sign-in to a sovereign cloud (Azure China, US Government) would fail. Extra keyword
    arguments go to the client (retry_total, polling_interval, transport, credential_scopes, ...).
    """
    # Imported here, not at module level: the SDK's client and models are most of the app's import
    # time, and a cold Functions instance that only runs a starter never needs them.
    from azure.mgmt.compute import ComputeManagementClient

    endpoint = endpoint.rstrip("/")
    if is_loopback_url(endpoint):
        return ComputeManagementClient(
            credential=_UnusedCredential(),
            subscription_id=subscription_id,
            base_url=endpoint,
            authentication_policy=LocalFixedTokenPolicy(),
            **client_kwargs,
        )
    if urlsplit(endpoint).scheme != "https":
        raise NonLocalEndpointError(f"ARM endpoint {endpoint!r} must be https unless it is loopback")
    if credential is None:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    client_kwargs.setdefault("credential_scopes", [f"{endpoint}/.default"])
    return ComputeManagementClient(
        credential=credential, subscription_id=subscription_id, base_url=endpoint, **client_kwargs
    )
