"""The one envelope every activity returns (plain JSON, so it replays from history unchanged).

    {"ok": true,  "value": <JSON>}
    {"ok": false, "error": {"code": str, "message": str, "status": int,
                            "transient": bool, "retry_after": float | null}}

Activities never raise for Azure's answers: a raised exception reaches the orchestrator only as
text, losing the ARM code, the HTTP status and Retry-After that decide between waiting and
failing. Programming errors still raise (and fail the orchestration loudly).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from imagefactory.exceptions import AzureCallError, PublishError


class ErrorBody(TypedDict):
    code: str
    message: str
    status: int
    transient: bool
    retry_after: float | None


def success(value: Any) -> dict[str, Any]:
    return {"ok": True, "value": value}


def failure(error: AzureCallError | PublishError) -> dict[str, Any]:
    if isinstance(error, AzureCallError):
        body = ErrorBody(
            code=error.code,
            message=error.message,
            status=error.status,
            transient=error.transient,
            retry_after=error.retry_after,
        )
    else:
        body = ErrorBody(code="PublishFailed", message=str(error), status=0, transient=True, retry_after=None)
    return {"ok": False, "error": dict(body)}


def run_step(step: Callable[[], Any]) -> dict[str, Any]:
    """Run one gateway step and wrap its value or its Azure error in the envelope."""
    try:
        return success(step())
    except (AzureCallError, PublishError) as error:
        return failure(error)
