"""How the app reaches its storage queues: a connection string, or the Function App's identity.

A Functions connection setting NAME is either a connection string in NAME, or (identity-based, as
infra/ deploys the app: shared keys are off) the settings `NAME__queueServiceUri` or
`NAME__accountName`, with `NAME__credential=managedidentity` and `NAME__clientId` for a
user-assigned identity. The queue trigger and output bindings read them through the host; code
that sends messages itself (the result publisher) reads them here, the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_QUEUE_SUFFIX = "queue.core.windows.net"


@dataclass(frozen=True)
class QueueConnection:
    """Where the queues are and how to sign in: exactly one of the two forms."""

    connection_string: str | None = None
    account_url: str | None = None
    client_id: str | None = None  # a user-assigned identity; None: the system identity / default chain

    @property
    def uses_identity(self) -> bool:
        return self.account_url is not None

    def client(self, queue: str, **options: Any) -> Any:
        """An azure-storage-queue QueueClient for `queue` (constructing it does no I/O)."""
        from azure.storage.queue import QueueClient

        if self.connection_string is not None:
            return QueueClient.from_connection_string(self.connection_string, queue, **options)
        from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

        credential: Any = DefaultAzureCredential()
        if self.client_id:
            credential = ManagedIdentityCredential(client_id=self.client_id)
        return QueueClient(self.account_url or "", queue, credential=credential, **options)


def queue_connection(name: str, environ: Mapping[str, str]) -> QueueConnection | None:
    """The connection setting `name` as the Functions host resolves it, or None when unset."""
    value = environ.get(name, "").strip()
    if value:
        return QueueConnection(connection_string=value)
    service_uri = environ.get(f"{name}__queueServiceUri", "").strip()
    account = environ.get(f"{name}__accountName", "").strip()
    if not service_uri and account:
        service_uri = f"https://{account}.{DEFAULT_QUEUE_SUFFIX}"
    if not service_uri:
        return None
    client_id = environ.get(f"{name}__clientId", "").strip() or None
    return QueueConnection(account_url=service_uri.rstrip("/"), client_id=client_id)
