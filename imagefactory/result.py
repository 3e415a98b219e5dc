"""The result document of a build and the custom status shown while it runs.

The result is what the build system receives (orchestration output and the result queue
message): it must say plainly what exists and what happened to the source VM, because a failed
build can still leave a generalized VM or a half-replicated version behind, and the reader needs
to know which before doing anything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VmFate = Literal["kept", "kept, generalized", "deleted", "restarted"]
POINT_OF_NO_RETURN = (
    "The source VM was generalized: Azure will never start it again. The image is now the only way "
    "to create machines from it."
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionResult(_Model):
    name: str
    replica_count: int | None = None
    storage_account_type: str | None = None
    state: str = "Unknown"
    progress: int = 0
    ready_at: datetime | None = None
    retries: int = 0


class DataDiskResult(_Model):
    lun: int
    size_gb: int | None = None


class PhaseTiming(_Model):
    name: str
    started_at: datetime
    finished_at: datetime | None = None
    duration_seconds: float | None = None


class ErrorInfo(_Model):
    phase: str
    code: str
    message: str


class VmOutcome(_Model):
    id: str
    fate: VmFate
    deprovisioned: bool = False  # the in-guest deprovision ran: the guest's users and keys are gone
    generalized: bool = False
    deallocated: bool = False
    point_of_no_return: str | None = None


class Publication(_Model):
    published: bool
    queue: str | None = None
    message_id: str | None = None
    reason: str | None = None


class BuildResult(_Model):
    build_id: str
    correlation_id: str | None = None
    status: Literal["Succeeded", "Failed"]
    summary: str
    target_kind: Literal["gallery", "managed_image"]
    image_id: str | None = None
    version: str | None = None
    adopted: bool = False
    source_vm_id: str
    location: str | None = None
    replication_mode: str | None = None
    storage_account_type: str | None = None
    regions: list[RegionResult] = Field(default_factory=list)
    data_disks: list[DataDiskResult] = Field(default_factory=list)
    phases: list[PhaseTiming] = Field(default_factory=list)
    vm: VmOutcome
    created: list[str] = Field(
        default_factory=list, description="Ids of the gallery/definition this build created."
    )
    replaced: list[str] = Field(
        default_factory=list,
        description="Ids of versions an earlier attempt left in provisioningState Failed, made from "
        "this VM, that this build deleted and created again.",
    )
    errors: list[ErrorInfo] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    started_at: datetime
    finished_at: datetime
    published: Publication | None = None


class BuildStatus(_Model):
    """The build's custom status (kept well below the 16 KB limit)."""

    build_id: str
    status: Literal["Running", "Succeeded", "Failed"] = "Running"
    phase: str
    started_at: datetime
    updated_at: datetime
    target: str | None = None
    phases: list[PhaseTiming] = Field(default_factory=list)
    regions: list[RegionResult] = Field(default_factory=list)
    monitor_instance_id: str | None = None


def describe_vm(vm: VmOutcome) -> str:
    """The VM's fate; a deprovisioned guest is named because nobody can sign in to it any more."""
    if vm.fate == "kept" and vm.deprovisioned:
        return "source VM kept, deprovisioned (not generalized)"
    return f"source VM {vm.fate}"


def _unfinished(region: RegionResult) -> str:
    return f"{region.name} ({region.progress} %)" if region.state == "Replicating" else region.name


def summarize(
    *,
    status: str,
    target_kind: str,
    image_id: str | None,
    version: str | None,
    image_exists: bool,
    regions: list[RegionResult],
    vm: VmOutcome,
    errors: list[ErrorInfo],
    created: list[str] | None = None,
) -> str:
    """One sentence saying what exists and what became of the VM, e.g.

    "version 1.4.0 exists, replication Failed in westeurope; source VM kept, generalized".

    `created` (short names such as "gallery gal01") is mentioned when no image exists, so a
    failed first build says what it left behind.
    """
    if target_kind == "gallery":
        subject = f"version {version}" if version else "image version"
    else:
        subject = f"managed image {image_id.rsplit('/', 1)[-1]}" if image_id else "managed image"
    if not image_exists:
        what = f"{subject} was not created"
    elif status == "Succeeded":
        what = f"{subject} is ready" + (f" in {', '.join(r.name for r in regions)}" if regions else "")
    else:
        failed = [r.name for r in regions if r.state == "Failed"]
        pending = [_unfinished(r) for r in regions if r.state not in {"Completed", "Failed"}]
        what = f"{subject} exists"
        if failed:
            what += f", replication Failed in {', '.join(failed)}"
        if pending:
            what += f", replication not finished in {', '.join(pending)}"
    text = f"{what}; {describe_vm(vm)}"
    if created and not image_exists:
        text += f"; created {', '.join(created)}"
    if status == "Failed" and errors:
        text += f" ({errors[0].code}: {errors[0].message})"
    return text
