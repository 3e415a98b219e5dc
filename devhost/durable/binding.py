"""The durableClient binding value the extension hands to starter functions."""

from __future__ import annotations

import json
from urllib.parse import quote

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
RPC_PATH = "/durabletask/"
CONNECTION = "Storage"


def client_binding(base_url: str, task_hub: str) -> str:
    """Build the JSON the real DurableOrchestrationClient is constructed from.

    ``base_url`` is the host's origin (``http://127.0.0.1:7071``); the webhook URLs and the RPC
    base both hang off it, as they do in the Functions host.
    """
    origin = base_url.rstrip("/")
    webhooks = f"{origin}{WEBHOOK_PATH}"
    query = f"taskHub={quote(task_hub)}&connection={CONNECTION}"
    instance = f"{webhooks}/instances/INSTANCEID"
    create = f"{webhooks}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return json.dumps(
        {
            "taskHubName": task_hub,
            "creationUrls": {
                "createNewInstancePostUri": f"{create}?{query}",
                "createAndWaitOnNewInstancePostUri": (
                    f"{create}"
                    f"?timeout={{timeoutInSeconds}}&pollingInterval="
                    f"{{intervalInSeconds}}&{query}"
                ),
            },
            "managementUrls": {
                "id": "INSTANCEID",
                "statusQueryGetUri": f"{instance}?{query}",
                "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
                "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
                "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
                "purgeHistoryDeleteUri": f"{instance}?{query}",
                "restartPostUri": f"{instance}/restart?{query}",
                "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
                "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
            },
            "baseUrl": webhooks,
            "requiredQueryStringParameters": query,
            "rpcBaseUrl": f"{origin}{RPC_PATH}",
        }
    )
