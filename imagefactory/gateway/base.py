"""The plumbing every gateway call goes through: one client, 404 as None, LROs only started.

Azure's errors become the product's (imagefactory.gateway.translate) in one place, and an operation
started with `polling=False` reports the status, operation URL and Retry-After of its first answer,
which is all the orchestrator needs to wait for it on durable timers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.core.pipeline import PipelineResponse

from imagefactory.gateway.facts import OperationStarted
from imagefactory.gateway.reading import as_json
from imagefactory.gateway.translate import parse_retry_after, to_azure_call_error

if TYPE_CHECKING:
    from azure.mgmt.compute import ComputeManagementClient

_Hook = Callable[[PipelineResponse[Any, Any]], None]


def sdk_models() -> Any:
    """azure.mgmt.compute.models, imported when the first write needs it.

    It is the heaviest import of the app (about 100 ms of the cold start of every Functions
    instance); reads and the starters never need it.
    """
    from azure.mgmt.compute import models

    return models


class ResponseRecorder:
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


class GatewayBase:
    """The client of one subscription and the three ways to call it (read, call, start)."""

    def __init__(self, client: ComputeManagementClient, subscription_id: str) -> None:
        self._client = client
        self.subscription_id = subscription_id

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
        recorder = ResponseRecorder()
        self._call(lambda: begin(recorder))
        return recorder.started(operation, resource_id)
