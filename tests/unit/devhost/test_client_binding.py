"""The durableClient binding value: what the extension hands a starter, and what the SDK builds from it."""

from __future__ import annotations

import json

from azure.durable_functions import DurableOrchestrationClient

from devhost.durable.binding import client_binding

ORIGIN = "http://127.0.0.1:7071"


def test_binding_has_the_extension_fields_and_points_the_rpc_base_at_devhost() -> None:
    binding = json.loads(client_binding(ORIGIN, "NightlyHub"))
    assert binding["taskHubName"] == "NightlyHub"
    assert binding["rpcBaseUrl"] == f"{ORIGIN}/durabletask/"
    assert binding["baseUrl"] == f"{ORIGIN}/runtime/webhooks/durabletask"
    assert binding["requiredQueryStringParameters"] == "taskHub=NightlyHub&connection=Storage"
    assert binding["creationUrls"]["createNewInstancePostUri"] == (
        f"{ORIGIN}/runtime/webhooks/durabletask/orchestrators/{{functionName}}[/{{instanceId}}]"
        "?taskHub=NightlyHub&connection=Storage"
    )
    management = binding["managementUrls"]
    assert management["id"] == "INSTANCEID"
    assert set(management) == {"id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri",
                               "rewindPostUri", "purgeHistoryDeleteUri", "restartPostUri",
                               "suspendPostUri", "resumePostUri"}
    assert all("INSTANCEID" in url for url in management.values())


def test_the_real_client_fills_management_urls_for_an_instance() -> None:
    client = DurableOrchestrationClient(client_binding(ORIGIN, "NightlyHub"))
    payload = client.create_http_management_payload("build-7")
    instance = f"{ORIGIN}/runtime/webhooks/durabletask/instances/build-7"
    assert payload["statusQueryGetUri"] == f"{instance}?taskHub=NightlyHub&connection=Storage"
    assert payload["sendEventPostUri"] == (
        f"{instance}/raiseEvent/{{eventName}}?taskHub=NightlyHub&connection=Storage"
    )
    assert payload["terminatePostUri"] == (
        f"{instance}/terminate?reason={{text}}&taskHub=NightlyHub&connection=Storage"
    )
