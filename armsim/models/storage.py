"""VHD sources: storage accounts and the blobs in them, registered through the admin API.

armsim serves no blob service: a blob is only what Compute would learn by reading it (its type,
its size, whether it ends in a fixed-size VHD footer). The OS a VHD holds is recorded for the
test author's reference; Azure cannot read it from a VHD either, so no check relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from armsim.ids import Scope

PAGE = "page"
BLOCK = "block"


@dataclass
class StorageAccount:
    scope: Scope
    name: str
    location: str
    sku: str = "Standard_LRS"

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.scope.subscription}/resourceGroups/{self.scope.resource_group}"
            f"/providers/Microsoft.Storage/storageAccounts/{self.name}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "location": self.location, "sku": self.sku}


@dataclass
class Blob:
    uri: str
    storage_account_id: str
    blob_type: str  # page | block
    size_gb: int
    vhd_footer: bool  # ends in a fixed-size VHD footer (cookie 'conectix')
    os_type: str | None = None

    @property
    def name(self) -> str:
        """The blob's name, the last segment of its path (as Azure quotes it in errors)."""
        return urlsplit(self.uri).path.rstrip("/").split("/")[-1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "storage_account_id": self.storage_account_id,
            "blob_type": self.blob_type,
            "size_gb": self.size_gb,
            "vhd_footer": self.vhd_footer,
            "os_type": self.os_type,
        }


def blob_key(uri: str) -> str:
    """Blob URIs compare without their query (a SAS token) and with a lower-case host."""
    parts = urlsplit(uri.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


def account_name_of(uri: str) -> str:
    """`https://{account}.blob.core.windows.net/...` -> account."""
    return urlsplit(uri.strip()).netloc.split(".")[0].lower()
