"""Registering VHD sources, the way a team leaves an uploaded VHD behind for the factory:
storage accounts and the blobs in them (there is no blob service; a blob is its description).

    storage account: {subscription, resource_group, name, location?, sku?}
    blob: {uri, storage_account_id, blob_type: page|block, size_gb, vhd_footer?: bool, os_type?}
"""

from __future__ import annotations

import re
from typing import Any

from armsim.backend import Backend
from armsim.errors import ArmError, ConfigError
from armsim.ids import Scope, check_subscription
from armsim.models.storage import BLOCK, PAGE, Blob, StorageAccount, account_name_of, blob_key
from armsim.models.vm import OS_TYPES
from armsim.resource_ids import STORAGE_ACCOUNT, parse_ref

ACCOUNT_FIELDS = {"subscription", "resource_group", "name", "location", "sku"}
BLOB_FIELDS = {"uri", "storage_account_id", "blob_type", "size_gb", "vhd_footer", "os_type"}
# Used with fullmatch (`$` would also match before a trailing newline); a URI holds no whitespace.
_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")
_BLOB_URI = re.compile(r"https://[a-z0-9]{3,24}\.blob\.core\.windows\.net/[^/?#\s]+/[^?#\s]+")


def _text(spec: dict[str, Any], what: str, field: str, default: str | None = None) -> str:
    value = spec.get(field, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what}.{field}: required non-empty string")
    return value


def _known(spec: Any, what: str, fields: set[str]) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise ConfigError(f"{what}: must be a JSON object")
    unknown = set(spec) - fields
    if unknown:
        raise ConfigError(f"{what}.{sorted(unknown)[0]}: unknown field; allowed: {', '.join(sorted(fields))}")
    return spec


def register_storage_account(backend: Backend, spec: Any) -> StorageAccount:
    spec = _known(spec, "storage_account", ACCOUNT_FIELDS)
    subscription = _text(spec, "storage_account", "subscription")
    try:
        check_subscription(subscription)
    except ArmError as err:
        raise ConfigError(f"storage_account.subscription: must be a GUID ({err.message})") from err
    name = _text(spec, "storage_account", "name")
    if not _ACCOUNT_NAME.fullmatch(name):
        raise ConfigError(f"storage_account.name: 3-24 lower-case letters and digits, got {name!r}")
    account = StorageAccount(
        scope=Scope(subscription, _text(spec, "storage_account", "resource_group")),
        name=name,
        location=_text(spec, "storage_account", "location", "westus"),
        sku=_text(spec, "storage_account", "sku", "Standard_LRS"),
    )
    with backend.lock:
        backend.storage_accounts[account.id.lower()] = account
    return account


def register_blob(backend: Backend, spec: Any) -> Blob:
    spec = _known(spec, "blob", BLOB_FIELDS)
    uri = _text(spec, "blob", "uri")
    if not _BLOB_URI.fullmatch(uri):
        raise ConfigError(
            f"blob.uri: must be https://{{account}}.blob.core.windows.net/{{container}}/{{blob}}, got {uri!r}"
        )
    account_id = _text(spec, "blob", "storage_account_id")
    ref = parse_ref(account_id)
    with backend.lock:
        account = (
            backend.storage_accounts.get(ref.id.lower()) if ref and ref.kind == STORAGE_ACCOUNT else None
        )
    if account is None:
        raise ConfigError(f"blob.storage_account_id: no registered storage account {account_id!r}")
    if account_name_of(uri) != account.name:
        raise ConfigError(f"blob.uri: the blob is not in storage account {account.name!r}")
    blob_type = _text(spec, "blob", "blob_type", PAGE).lower()
    if blob_type not in (PAGE, BLOCK):
        raise ConfigError(f"blob.blob_type: must be 'page' or 'block', got {blob_type!r}")
    size = spec.get("size_gb", 30)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 32767:
        raise ConfigError(f"blob.size_gb: must be an integer number of GB between 1 and 32767, got {size!r}")
    footer = spec.get("vhd_footer", True)
    if not isinstance(footer, bool):
        raise ConfigError("blob.vhd_footer: must be true or false")
    os_type = spec.get("os_type")
    if os_type is not None and os_type not in OS_TYPES:
        raise ConfigError(f"blob.os_type: must be one of {', '.join(OS_TYPES)}, got {os_type!r}")
    blob = Blob(uri, account.id, blob_type, size, footer, os_type)
    with backend.lock:
        backend.blobs[blob_key(uri)] = blob
    return blob
