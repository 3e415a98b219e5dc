"""Which token goes where: the audience of the configured cloud, and the local token only to loopback."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import BaseAdapter

from imagefactory.azure_client import LOCAL_TOKEN, NonLocalEndpointError, compute_client

SUB = "00000000-0000-0000-0000-000000000001"


class RecordingCredential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("token-for-" + scopes[0], 4_102_444_800)


class CannedARM(BaseAdapter):
    """Answers every request with an empty VM and remembers what was sent (no network)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.seen.append(request)
        body = json.dumps({"name": "vm", "location": "x", "properties": {}}).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"content-type": "application/json", "content-length": str(len(body))},
            status=200,
            preload_content=False,
        )
        return requests.adapters.HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        return None


def _transport(adapter: CannedARM) -> RequestsTransport:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return RequestsTransport(session=session, session_owner=False)


@pytest.mark.parametrize(
    "endpoint",
    ["https://management.azure.com", "https://management.chinacloudapi.cn", "https://management.usgovcloudapi.net"],
)
def test_token_is_requested_for_the_configured_clouds_audience(endpoint: str) -> None:
    credential = RecordingCredential()
    adapter = CannedARM()
    client = compute_client(SUB, endpoint, credential=credential, transport=_transport(adapter))  # type: ignore[arg-type]
    client.virtual_machines.get("rg", "vm")
    assert credential.scopes == [(f"{endpoint}/.default",)]
    assert str(adapter.seen[0].url).startswith(f"{endpoint}/subscriptions/{SUB}/")
    assert adapter.seen[0].headers["Authorization"] == f"Bearer token-for-{endpoint}/.default"


def test_local_token_goes_to_loopback_and_nowhere_else() -> None:
    adapter = CannedARM()
    client = compute_client(SUB, "http://127.0.0.1:4010", transport=_transport(adapter))
    client.virtual_machines.get("rg", "vm")
    assert adapter.seen[0].headers["Authorization"] == f"Bearer {LOCAL_TOKEN}"
    with pytest.raises(NonLocalEndpointError, match="must be https"):
        compute_client(SUB, "http://management.example.com")
