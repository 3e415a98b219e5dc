"""The simulated ARM Compute backend: every resource, operation and setting, behind one lock.

Handlers (HTTP) and the in-process admin facade (tests) both work through this object. Lookups
drop resources whose deletion finished, so state follows the clock lazily.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from armsim.clock import Clock, VirtualClock
from armsim.errors import ParentResourceNotFoundError, ResourceNotFoundError
from armsim.faults import FaultBook
from armsim.ids import key
from armsim.models.disk import ManagedDisk
from armsim.models.gallery import Gallery
from armsim.models.gallery_image import GalleryImage
from armsim.models.image import ManagedImage
from armsim.models.image_version import ImageVersion
from armsim.models.lifecycle import Lifecycle
from armsim.models.network import NetworkInterface, Subnet
from armsim.models.operations import AsyncOperation, Resolver
from armsim.models.run_command_script import RunCommandLog
from armsim.models.snapshot import Snapshot
from armsim.models.soft_delete import SoftDeletedVersion
from armsim.models.storage import Blob, StorageAccount
from armsim.models.vm import VirtualMachine
from armsim.request_log import RequestLog
from armsim.throttling import Throttler
from armsim.timing import TimingModel

DEFAULT_TOKEN = "armsim-local-token"

R = TypeVar(
    "R",
    VirtualMachine,
    ManagedImage,
    Gallery,
    GalleryImage,
    ImageVersion,
    ManagedDisk,
    Snapshot,
    Subnet,
    NetworkInterface,
)


@dataclass
class Settings:
    token: str = DEFAULT_TOKEN


class Backend:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        throttling: bool = True,
        timings: dict[str, Any] | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.settings = Settings(token=token)
        self.lock = threading.RLock()
        self.timing = TimingModel()
        if timings:
            self.timing.update(timings)
        self.faults = FaultBook()
        self.throttler = Throttler(enabled=throttling)
        self.log = RequestLog()
        self.vms: dict[str, VirtualMachine] = {}
        self.images: dict[str, ManagedImage] = {}
        self.galleries: dict[str, Gallery] = {}
        self.definitions: dict[str, GalleryImage] = {}
        self.versions: dict[str, ImageVersion] = {}
        self.operations: dict[str, AsyncOperation] = {}
        self.subnets: dict[str, Subnet] = {}
        self.nics: dict[str, NetworkInterface] = {}
        self.soft_deleted: dict[str, SoftDeletedVersion] = {}  # by the version's own id (key)
        self.run_log = RunCommandLog()
        self.disks: dict[str, ManagedDisk] = {}
        self.snapshots: dict[str, Snapshot] = {}
        self.storage_accounts: dict[str, StorageAccount] = {}  # by lower-cased id
        self.blobs: dict[str, Blob] = {}  # by armsim.models.storage.blob_key

    def now(self) -> datetime:
        return self.clock.now()

    def reset(self) -> None:
        """Forget every resource, operation, fault, throttle bucket and log entry (settings stay)."""
        with self.lock:
            for table in (
                self.vms,
                self.images,
                self.galleries,
                self.definitions,
                self.versions,
                self.operations,
                self.subnets,
                self.nics,
                self.soft_deleted,
                self.disks,
                self.snapshots,
                self.storage_accounts,
                self.blobs,
            ):
                table.clear()
            self.run_log.clear()
            self.faults.clear()
            self.throttler.reset()
            self.log.clear()

    def lifecycle(self, duration: float, now: datetime | None = None) -> Lifecycle:
        start = now if now is not None else self.now()
        return Lifecycle(created_at=start, ready_at=start + timedelta(seconds=duration))

    # --- lookups ----------------------------------------------------------------------------
    @staticmethod
    def _gone(resource: R, now: datetime) -> bool:
        if isinstance(resource, ManagedDisk):
            resource.settle(now)  # a disk follows the VM it is attached to
        return resource.lifecycle.is_gone(now)

    def find(self, table: dict[str, R], resource_id: str) -> R | None:
        resource = table.get(key(resource_id))
        if resource is not None and self._gone(resource, self.now()):
            del table[key(resource_id)]
            return None
        return resource

    def get(self, table: dict[str, R], resource_id: str, type_name: str, name: str, rg: str) -> R:
        resource = self.find(table, resource_id)
        if resource is None:
            raise ResourceNotFoundError(
                f"The Resource '{type_name}/{name}' under resource group '{rg}' was not found. "
                "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            )
        return resource

    def parent(self, table: dict[str, R], resource_id: str, type_name: str) -> R:
        resource = self.find(table, resource_id)
        if resource is None:
            raise ParentResourceNotFoundError(
                "Can not perform requested operation on nested resource. "
                f"Parent resource '{type_name}' not found."
            )
        return resource

    def under(self, table: dict[str, R], parent_id: str) -> list[R]:
        """Resources directly below `parent_id`: `{parent}/{type}/{name}`, in creation order."""
        prefix = key(parent_id) + "/"
        now = self.now()
        return [
            r
            for k, r in list(table.items())
            if k.startswith(prefix) and k[len(prefix) :].count("/") == 1 and not self._gone(r, now)
        ]

    def region_of(self, resource_path: str, body: Any) -> str | None:
        """The region a request acts in, for region-scoped faults: the addressed resource's
        location, else the `location` a creating PUT names."""
        k = key(resource_path.rstrip("/"))
        resource = (
            self.vms.get(k)
            or self.images.get(k)
            or self.galleries.get(k)
            or self.definitions.get(k)
            or self.versions.get(k)
            or self.disks.get(k)
            or self.snapshots.get(k)
        )
        if resource is not None:
            return resource.location
        location = body.get("location") if isinstance(body, dict) else None
        return location if isinstance(location, str) else None

    # --- operations -------------------------------------------------------------------------
    def start_operation(
        self,
        name: str,
        subscription: str,
        location: str,
        family: str,
        api_version: str,
        resolver: Resolver,
        retry_after: float,
    ) -> AsyncOperation:
        op = AsyncOperation(
            name=name,
            subscription=subscription,
            location=location.replace(" ", "").lower(),
            family=family,
            api_version=api_version,
            started_at=self.now(),
            resolver=resolver,
            retry_after=retry_after,
        )
        self.operations[op.op_id.lower()] = op
        return op
