"""Gateway calls on virtual machines: read, deallocate, generalize, start, and guest commands.

Each write reads the VM first and reports a step that already happened (`already`) instead of
repeating it; run commands are started and then read once per call, never polled here.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from imagefactory.exceptions import PermanentAzureError
from imagefactory.gateway.base import GatewayBase, ResponseRecorder, sdk_models
from imagefactory.gateway.facts import OperationStarted, RunCommandOutcome, VmFacts
from imagefactory.gateway.reading import as_json, vm_facts
from imagefactory.gateway.translate import error_from_response_text, parse_retry_after, to_azure_call_error
from imagefactory.ids import ResourceGroupId, VmId


class VmOperations(GatewayBase):
    """What the gateway does to a VM (deleting one is ComputeGateway's: it needs the image too)."""

    def get_vm(self, vm: VmId) -> VmFacts | None:
        body = self._read(
            lambda: self._client.virtual_machines.get(vm.resource_group, vm.name, expand="instanceView")
        )
        return vm_facts(body) if body is not None else None

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
        recorder = ResponseRecorder()
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
                sdk_models().RunCommandInput(body),
                polling=False,
                raw_response_hook=hook,
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

    def _require_vm(self, vm: VmId) -> VmFacts:
        facts = self.get_vm(vm)
        if facts is None:
            raise PermanentAzureError("ResourceNotFound", f"virtual machine {vm} was not found", status=404)
        return facts


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
