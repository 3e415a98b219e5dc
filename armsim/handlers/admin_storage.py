"""Admin API for VHD sources: `POST/GET /_armsim/storage-accounts` and `POST/GET /_armsim/blobs`."""

from __future__ import annotations

from armsim.backend import Backend
from armsim.http import ArmRequest, Reply
from armsim.seeding_storage import register_blob, register_storage_account


def post_account(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(201, register_storage_account(backend, req.body).as_dict())


def get_accounts(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, {"storage_accounts": [a.as_dict() for a in backend.storage_accounts.values()]})


def post_blob(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(201, register_blob(backend, req.body).as_dict())


def get_blobs(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, {"blobs": [b.as_dict() for b in backend.blobs.values()]})
