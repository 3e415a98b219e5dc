"""Monitor endpoints the LRO headers point to.

`Azure-AsyncOperation` URL: 200 with `{startTime, endTime?, status, name, properties.output?, error?}`.
`Location` URL (`monitor=true`): 202 while running, then 200 with the operation's result (run
command output) or an empty body, or the operation's error.
"""

from __future__ import annotations

from armsim.backend import Backend
from armsim.errors import ArmError, ResourceNotFoundError
from armsim.handlers.common import retry_after_value
from armsim.http import ArmRequest, Reply
from armsim.models.operations import FAILED, AsyncOperation


class OperationFailedError(ArmError):
    """The failed operation's own error, returned on its Location monitor."""

    status = 400


def _operation(backend: Backend, req: ArmRequest, family: str) -> AsyncOperation:
    op = backend.operations.get(req.params["operation"].lower())
    if op is None or op.family != family or op.subscription.lower() != req.params["subscription"].lower():
        raise ResourceNotFoundError(f"The operation '{req.params['operation']}' was not found.")
    return op


def get_operation(backend: Backend, req: ArmRequest, family: str) -> Reply:
    op = _operation(backend, req, family)
    now = backend.now()
    outcome = op.outcome(now)
    if req.query.get("monitor", "").lower() == "true":
        if not outcome.done:
            return Reply(
                202,
                None,
                {
                    "Location": req.base_url + op.path(monitor=True),
                    "Retry-After": retry_after_value(op.retry_after),
                },
            )
        if outcome.status == FAILED and outcome.error is not None:
            raise OperationFailedError(
                str(outcome.error.get("message", "")), code=str(outcome.error.get("code"))
            )
        return Reply(200, outcome.output)
    headers = {} if outcome.done else {"Retry-After": retry_after_value(op.retry_after)}
    return Reply(200, op.status_body(now), headers)


def get_compute_operation(backend: Backend, req: ArmRequest) -> Reply:
    return get_operation(backend, req, "compute")


def get_caps_operation(backend: Backend, req: ArmRequest) -> Reply:
    return get_operation(backend, req, "caps")


def get_disk_operation(backend: Backend, req: ArmRequest) -> Reply:
    return get_operation(backend, req, "disk")
