"""ComputeGateway: every Azure call the product makes, each one short.

Reads return facts (or None for 404). Writes read the current state first and converge: a step
that already happened is reported (`OperationStarted.already`) instead of being repeated, which is
what makes activities safe to retry and messages safe to deliver twice. Long-running operations are
only STARTED (`polling=False`): the orchestrator waits for them on durable timers and reads state
again, so no activity holds a worker while Azure works.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.core.pipeline import PipelineResponse
from azure.core.rest import HttpRequest

from imagefactory.azure_client import compute_client
from imagefactory.exceptions import PermanentAzureError
from imagefactory.gateway.deletion import deletion_refusal
from imagefactory.gateway.facts import (
    DefinitionFacts,
    GalleryFacts,
    ImageFacts,
    OperationStarted,
    RunCommandOutcome,
    VersionFacts,
    VmFacts,
)
from imagefactory.gateway.reading import (
    as_json,
    definition_facts,
    gallery_facts,
    image_facts,
    version_facts,
    vm_facts,
)
from imagefactory.gateway.retry import BoundedRetryPolicy
from imagefactory.gateway.translate import error_from_response_text, parse_retry_after, to_azure_call_error
from imagefactory.ids import DefinitionId, GalleryId, ImageId, ResourceGroupId, VersionId, VmId
from imagefactory.settings import Settings

if TYPE_CHECKING:
    from azure.mgmt.compute import ComputeManagementClient

_Hook = Callable[[PipelineResponse[Any, Any]], None]


def _sdk_models() -> Any:
    """azure.mgmt.compute.models, imported when the first write needs it.

    It is the heaviest import of the app (about 100 ms of the cold start of every Functions
    instance); reads and the starters never need it.
    """
    from azure.mgmt.compute import models

    return models


class _ResponseRecorder:
    """Captures status and headers of the initial response of an operation started without polling."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}

    def __call__(self, response: PipelineResponse[Any, Any]) -> None:
        self.status = response.http_response.status_code
        self.headers = dict(response.http_response.headers)

    def started(self, operation: str, resource_id: str) -> OperationStarted:
        lowered = {key.lower(): value for key, value in self.headers.items()}
        return OperationStarted(
            operation=operation,
            resource_id=resource_id,
            status_code=self.status,
            operation_url=lowered.get("location") or lowered.get("azure-asyncoperation"),
            retry_after=parse_retry_after(self.headers),
        )


class ComputeGateway:
    """The product's only door to Azure Compute, for one subscription."""

    def __init__(self, client: ComputeManagementClient, subscription_id: str) -> None:
        self._client = client
        self.subscription_id = subscription_id

    # --- reads ------------------------------------------------------------------------------
    def get_vm(self, vm: VmId) -> VmFacts | None:
        body = self._read(
            lambda: self._client.virtual_machines.get(vm.resource_group, vm.name, expand="instanceView")
        )
        return vm_facts(body) if body is not None else None

    def get_gallery(self, gallery: GalleryId) -> GalleryFacts | None:
        body = self._read(lambda: self._client.galleries.get(gallery.resource_group, gallery.name))
        return gallery_facts(body) if body is not None else None

    def get_definition(self, definition: DefinitionId) -> DefinitionFacts | None:
        body = self._read(
            lambda: self._client.gallery_images.get(
                definition.resource_group, definition.gallery, definition.name
            )
        )
        return definition_facts(body) if body is not None else None

    def get_version(self, version: VersionId) -> VersionFacts | None:
        """The version with its per-region replication status, and when Azure read it."""
        answered: dict[str, str] = {}

        def keep_date(pipeline_response: Any, deserialized: Any, _headers: Any) -> Any:
            answered["date"] = pipeline_response.http_response.headers.get("Date", "")
            return deserialized

        body = self._read(
            lambda: self._client.gallery_image_versions.get(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                expand="ReplicationStatus",
                cls=keep_date,
            )
        )
        if body is None:
            return None
        facts = version_facts(body)
        read_at = http_date(answered.get("date", ""))
        return facts.model_copy(update={"read_at": read_at.isoformat()}) if read_at else facts

    def list_versions(self, definition: DefinitionId) -> list[VersionFacts]:
        """Every version of a definition; empty when the definition (or gallery) does not exist."""
        try:
            pages = self._client.gallery_image_versions.list_by_gallery_image(
                definition.resource_group, definition.gallery, definition.name
            )
            return [version_facts(as_json(item)) for item in pages]
        except ResourceNotFoundError:
            return []
        except AzureError as error:
            raise to_azure_call_error(error) from None

    def list_vms(self, group: ResourceGroupId) -> list[VmFacts]:
        """Every VM of a resource group (rollout sweeps); empty when the group does not exist.

        The list carries no instance view, so power and OS state are unknown here: the pipeline
        reads each VM again before it touches it.
        """
        try:
            return [
                vm_facts(as_json(item)) for item in self._client.virtual_machines.list(group.resource_group)
            ]
        except ResourceNotFoundError:
            return []
        except AzureError as error:
            raise to_azure_call_error(error) from None

    def get_image(self, image: ImageId) -> ImageFacts | None:
        body = self._read(lambda: self._client.images.get(image.resource_group, image.name))
        return image_facts(body) if body is not None else None

    def read_run_command(self, operation_url: str) -> RunCommandOutcome:
        """One read of a run command's operation URL (never a polling loop)."""
        try:
            response = self._client.send_request(HttpRequest("GET", operation_url))
        except AzureError as error:
            raise to_azure_call_error(error) from None
        retry_after = parse_retry_after(dict(response.headers))
        if response.status_code == 202:
            return RunCommandOutcome(done=False, retry_after=retry_after)
        if response.status_code >= 400:
            raise error_from_response_text(response.status_code, response.text(), retry_after)
        body = response.json() if response.text() else {}
        status = str(body.get("status", "")) if isinstance(body, dict) else ""
        if status.lower() in {"inprogress", "running", "notstarted"}:
            return RunCommandOutcome(done=False, retry_after=retry_after)
        if status.lower() in {"failed", "canceled"}:
            failure = body.get("error") or {}
            return RunCommandOutcome(done=True, succeeded=False, stderr=str(failure.get("message", status)))
        stdout, stderr = _run_command_streams(body)
        return RunCommandOutcome(done=True, succeeded=True, stdout=stdout, stderr=stderr)

    # --- VM operations -----------------------------------------------------------------------
    def start_deallocate(self, vm: VmId) -> OperationStarted:
        facts = self._require_vm(vm)
        if facts.power_state in {"deallocated", "deallocating"}:
            return OperationStarted(operation="deallocate", resource_id=str(vm), already=facts.power_state)
        return self._start(
            "deallocate",
            str(vm),
            lambda hook: self._client.virtual_machines.begin_deallocate(
                vm.resource_group, vm.name, polling=False, raw_response_hook=hook
            ),
        )

    def generalize(self, vm: VmId) -> OperationStarted:
        """Marks the VM generalized (a synchronous call in ARM)."""
        facts = self._require_vm(vm)
        if facts.generalized:
            return OperationStarted(operation="generalize", resource_id=str(vm), already="generalized")
        recorder = _ResponseRecorder()
        self._call(
            lambda: self._client.virtual_machines.generalize(
                vm.resource_group, vm.name, raw_response_hook=recorder
            )
        )
        return recorder.started("generalize", str(vm))

    def start_run_command(self, vm: VmId, command_id: str, script: list[str]) -> OperationStarted:
        body = {"commandId": command_id, "script": script}
        return self._start(
            "runCommand",
            str(vm),
            lambda hook: self._client.virtual_machines.begin_run_command(
                vm.resource_group,
                vm.name,
                _sdk_models().RunCommandInput(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_delete_source_vm(
        self,
        vm: VmId,
        *,
        opt_in_tag: str,
        image_id: VersionId | ImageId,
        regions: list[str],
    ) -> OperationStarted:
        """Deletes the source VM only if it still opts in and its image is verified right now.

        The one way the product deletes a VM (imagefactory.gateway.deletion says why it re-checks).
        """
        facts = self.get_vm(vm)
        if facts is None:
            return OperationStarted(operation="delete", resource_id=str(vm), already="gone")
        if (facts.provisioning_state or "").lower() == "deleting":
            return OperationStarted(operation="delete", resource_id=str(vm), already="deleting")
        if isinstance(image_id, VersionId):
            refusal = deletion_refusal(
                facts, opt_in_tag=opt_in_tag, version=self.get_version(image_id), regions=regions
            )
        else:
            refusal = deletion_refusal(facts, opt_in_tag=opt_in_tag, image=self.get_image(image_id))
        if refusal is not None:
            raise PermanentAzureError("DeletionNotAllowed", f"source VM kept: {refusal}")
        return self._start(
            "delete",
            str(vm),
            lambda hook: self._client.virtual_machines.begin_delete(
                vm.resource_group, vm.name, polling=False, raw_response_hook=hook
            ),
        )

    def start_vm(self, vm: VmId) -> OperationStarted:
        facts = self._require_vm(vm)
        if facts.power_state in {"running", "starting"}:
            return OperationStarted(operation="start", resource_id=str(vm), already=facts.power_state)
        return self._start(
            "start",
            str(vm),
            lambda hook: self._client.virtual_machines.begin_start(
                vm.resource_group, vm.name, polling=False, raw_response_hook=hook
            ),
        )

    # --- target resources --------------------------------------------------------------------
    def start_create_gallery(self, gallery: GalleryId, body: dict[str, Any]) -> OperationStarted:
        existing = self.get_gallery(gallery)
        if existing is not None:
            return OperationStarted(operation="createGallery", resource_id=str(gallery), already="exists")
        return self._start(
            "createGallery",
            str(gallery),
            lambda hook: self._client.galleries.begin_create_or_update(
                gallery.resource_group,
                gallery.name,
                _sdk_models().Gallery(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_create_definition(self, definition: DefinitionId, body: dict[str, Any]) -> OperationStarted:
        existing = self.get_definition(definition)
        if existing is not None:
            return OperationStarted(
                operation="createDefinition", resource_id=str(definition), already="exists"
            )
        return self._start(
            "createDefinition",
            str(definition),
            lambda hook: self._client.gallery_images.begin_create_or_update(
                definition.resource_group,
                definition.gallery,
                definition.name,
                _sdk_models().GalleryImage(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_create_version(
        self, version: VersionId, body: dict[str, Any], source_id: str
    ) -> OperationStarted:
        """Creates the version unless it exists from the same source; another source is a conflict."""
        existing = self.get_version(version)
        if existing is not None:
            found = existing.source or ""
            if found.lower() != source_id.lower():
                raise PermanentAzureError(
                    "Conflict",
                    f"image version {version.name} already exists in {version.definition_id} with source "
                    f"{found or 'unknown'}, not {source_id}",
                    status=409,
                )
            return OperationStarted(operation="createVersion", resource_id=str(version), already="exists")
        return self._start(
            "createVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_create_or_update(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                _sdk_models().GalleryImageVersion(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_delete_failed_version(self, version: VersionId, source_id: str) -> OperationStarted:
        """Deletes a version only while it is Failed and made from `source_id` (our half-made one).

        Re-checked against Azure at the moment of deleting: a version that meanwhile Succeeded, or
        that comes from another source, is never deleted.
        """
        existing = self.get_version(version)
        if existing is None:
            return OperationStarted(operation="deleteVersion", resource_id=str(version), already="gone")
        state = (existing.provisioning_state or "").lower()
        if state == "deleting":
            return OperationStarted(operation="deleteVersion", resource_id=str(version), already="deleting")
        found = existing.source or ""
        if state != "failed" or found.lower() != source_id.lower():
            raise PermanentAzureError(
                "DeletionNotAllowed",
                f"image version {version.name} kept: only a Failed version made from {source_id} is "
                f"replaced, and this one is {existing.provisioning_state} from "
                f"{found or 'an unknown source'}",
            )
        return self._start(
            "deleteVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_delete(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_update_version(self, version: VersionId, body: dict[str, Any]) -> OperationStarted:
        """PATCH a version; Azure restarts replication of Failed regions on update."""
        return self._start(
            "updateVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_update(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                _sdk_models().GalleryImageVersionUpdate(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_create_image(self, image: ImageId, body: dict[str, Any], source_vm_id: str) -> OperationStarted:
        existing = self.get_image(image)
        if existing is not None:
            found = existing.source_vm_id or ""
            if found.lower() != source_vm_id.lower():
                raise PermanentAzureError(
                    "Conflict",
                    f"managed image {image} already exists with source {found or 'unknown'}, "
                    f"not {source_vm_id}",
                    status=409,
                )
            return OperationStarted(operation="createImage", resource_id=str(image), already="exists")
        return self._start(
            "createImage",
            str(image),
            lambda hook: self._client.images.begin_create_or_update(
                image.resource_group,
                image.name,
                _sdk_models().Image(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    # --- plumbing ----------------------------------------------------------------------------
    def _require_vm(self, vm: VmId) -> VmFacts:
        facts = self.get_vm(vm)
        if facts is None:
            raise PermanentAzureError("ResourceNotFound", f"virtual machine {vm} was not found", status=404)
        return facts

    def _read(self, call: Callable[[], Any]) -> dict[str, Any] | None:
        try:
            return as_json(call())
        except ResourceNotFoundError:
            return None
        except AzureError as error:
            raise to_azure_call_error(error) from None

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except AzureError as error:
            raise to_azure_call_error(error) from None

    def _start(self, operation: str, resource_id: str, begin: Callable[[_Hook], Any]) -> OperationStarted:
        recorder = _ResponseRecorder()
        self._call(lambda: begin(recorder))
        return recorder.started(operation, resource_id)


def http_date(text: str) -> datetime | None:
    """An HTTP Date header as an aware datetime (None when absent or malformed)."""
    try:
        moment = parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        return None
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _run_command_streams(body: Any) -> tuple[str, str]:
    """StdOut and StdErr of a RunCommandResult body (`value[].code` ComponentStatus/StdOut/...)."""
    items = body.get("value") if isinstance(body, dict) else None
    if items is None and isinstance(body, dict):
        items = (body.get("properties") or {}).get("output", {}).get("value")
    stdout, stderr = "", ""
    for item in items or []:
        code = str(item.get("code", ""))
        if "/StdOut/" in code:
            stdout += str(item.get("message", ""))
        elif "/StdErr/" in code:
            stderr += str(item.get("message", ""))
    return stdout, stderr


@functools.lru_cache(maxsize=64)
def _cached_gateway(
    endpoint: str, subscription_id: str, retry_total: int, max_inline_wait: float, timeout: int
) -> ComputeGateway:
    client = compute_client(
        subscription_id,
        endpoint,
        retry_policy=BoundedRetryPolicy(retry_total=retry_total, max_inline_wait=max_inline_wait),
        connection_timeout=timeout,
        read_timeout=timeout,
    )
    return ComputeGateway(client, subscription_id)


def gateway_for(settings: Settings, subscription_id: str) -> ComputeGateway:
    """The process's gateway for (ARM endpoint, subscription), built once and reused."""
    return _cached_gateway(
        settings.arm_endpoint,
        subscription_id.lower(),
        settings.http_retry_total,
        settings.http_max_inline_wait_seconds,
        settings.http_timeout_seconds,
    )
