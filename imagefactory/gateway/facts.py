"""Small typed snapshots of Azure resources: what crosses the activity boundary.

SDK model objects never leave the gateway: they carry transport details, are not JSON for the
durable history, and would tie the orchestrators to one SDK release. Each snapshot holds just what a
decision in the pipeline needs, serialises with `model_dump(mode="json")` and validates back.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DataDiskFacts(_Facts):
    lun: int
    size_gb: int | None = None
    name: str | None = None


class VmFacts(_Facts):
    """A VM as the pipeline sees it: placement, OS, state and disks."""

    id: str
    name: str
    location: str
    os_type: str | None = None  # "Linux" | "Windows"
    power_state: str = (
        "unknown"  # running | deallocated | stopped | starting | deallocating | stopping | unknown
    )
    provisioning_state: str | None = None
    generalized: bool = False
    hyper_v_generation: str | None = None  # "V1" | "V2"
    security_type: str = "Standard"  # Standard | TrustedLaunch | ConfidentialVM
    vm_size: str | None = None
    os_disk_size_gb: int | None = None
    data_disks: list[DataDiskFacts] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class GalleryFacts(_Facts):
    id: str
    location: str
    provisioning_state: str | None = None


class DefinitionFacts(_Facts):
    """An image definition: the properties a version's source must match."""

    id: str
    location: str
    provisioning_state: str | None = None
    os_type: str | None = None
    os_state: str | None = None
    hyper_v_generation: str | None = None
    architecture: str | None = None
    security_type: str | None = None  # the SecurityType feature; None when the definition has none
    publisher: str | None = None
    offer: str | None = None
    sku: str | None = None


class RegionTarget(_Facts):
    name: str  # normalised: lower case, no spaces
    replica_count: int | None = None
    storage_account_type: str | None = None
    exclude_from_latest: bool | None = None


class RegionReplication(_Facts):
    region: str  # normalised
    state: str  # Unknown | Replicating | Completed | Failed
    progress: int = 0
    details: str | None = None


class ReplicationSummary(_Facts):
    aggregated_state: str | None = None  # Unknown | InProgress | Completed | Failed
    regions: list[RegionReplication] = Field(default_factory=list)


class VersionFacts(_Facts):
    """A gallery image version, including its replication status when it was read with it."""

    id: str
    name: str
    location: str
    provisioning_state: str | None = None
    source_vm_id: str | None = None
    source_id: str | None = None
    replica_count: int | None = None
    storage_account_type: str | None = None
    replication_mode: str | None = None
    exclude_from_latest: bool | None = None
    end_of_life: str | None = None
    target_regions: list[RegionTarget] = Field(default_factory=list)
    os_disk_size_gb: int | None = None
    data_disk_luns: list[int] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    replication: ReplicationSummary | None = None
    # When Azure answered the read (its Date header, ISO 8601): the instant the replication status
    # was true, which is what a progress rate must be measured against.
    read_at: str | None = None

    @property
    def source(self) -> str | None:
        """What the version was made from: the VM when Azure names one, else the source's id.

        Every "is this version ours?" check compares this one value with the request's source.
        """
        return self.source_vm_id or self.source_id


class ImageFacts(_Facts):
    """A managed image."""

    id: str
    location: str
    provisioning_state: str | None = None
    source_vm_id: str | None = None
    hyper_v_generation: str | None = None
    data_disk_luns: list[int] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class OperationStarted(_Facts):
    """An Azure operation was started (or found unnecessary) without waiting for it.

    `already` says what was found instead of starting anything ("deallocated", "exists", "gone"),
    `operation_url` is where Azure reports the operation (Azure-AsyncOperation or Location) and
    `retry_after` Azure's advice on when to look again.
    """

    operation: str
    resource_id: str
    status_code: int | None = None
    already: str | None = None
    operation_url: str | None = None
    retry_after: float | None = None


class RunCommandOutcome(_Facts):
    """What a run command reported so far: `done` False while it still runs."""

    done: bool
    succeeded: bool = False
    stdout: str = ""
    stderr: str = ""
    retry_after: float | None = None
