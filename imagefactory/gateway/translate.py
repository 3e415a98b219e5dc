"""Turn SDK exceptions into the domain's AzureCallError (transient or permanent).

The orchestrator retries transient failures on durable timers and fails fast on permanent ones,
so this one classification decides whether a build rides out a throttling storm or stops with
ARM's own code and message.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError, ServiceRequestError, ServiceResponseError

from imagefactory.exceptions import AzureCallError, PermanentAzureError, TransientAzureError
from imagefactory.gateway.quota import CODE as THROTTLING_AVOIDED
from imagefactory.gateway.quota import ThrottlingAvoidedError

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from Retry-After (seconds or HTTP date) or retry-after-ms; None when absent."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001)):
        if name in lowered:
            try:
                return max(0.0, float(lowered[name]) * scale)
            except ValueError:
                pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _arm_code_and_message(error: HttpResponseError) -> tuple[str, str]:
    code = getattr(getattr(error, "error", None), "code", None)
    message = getattr(getattr(error, "error", None), "message", None)
    if not code:
        body: Any = None
        try:
            body = error.response.json() if error.response is not None else None  # type: ignore[attr-defined]
        except Exception:
            body = None
        if isinstance(body, dict):
            inner = body.get("error", body)
            if isinstance(inner, dict):
                code = inner.get("code")
                message = inner.get("message", message)
    status = error.status_code or 0
    return str(code or f"HTTP{status}"), str(message or error.reason or error.message or "no message")


def _classified(status: int, code: str, message: str, retry_after: float | None) -> AzureCallError:
    cls: type[AzureCallError] = TransientAzureError if status in TRANSIENT_STATUSES else PermanentAzureError
    return cls(code, message, status=status, retry_after=retry_after)


def to_azure_call_error(error: AzureError) -> AzureCallError:
    """The domain error for an SDK exception."""
    if isinstance(error, ThrottlingAvoidedError):
        return TransientAzureError(THROTTLING_AVOIDED, str(error), retry_after=error.retry_after)
    if isinstance(error, HttpResponseError) and error.response is not None:
        code, message = _arm_code_and_message(error)
        retry_after = parse_retry_after(error.response.headers)  # type: ignore[attr-defined]
        return _classified(error.status_code or 0, code, message, retry_after)
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return TransientAzureError("ConnectionError", str(error) or type(error).__name__)
    return TransientAzureError(type(error).__name__, str(error) or type(error).__name__)


def error_from_response_text(status: int, text: str, retry_after: float | None) -> AzureCallError:
    """The domain error for a failed raw response (a request sent outside the SDK's operations)."""
    code, message = f"HTTP{status}", text[:500]
    try:
        inner = json.loads(text).get("error", {})
        code, message = str(inner.get("code", code)), str(inner.get("message", message))
    except (ValueError, AttributeError):
        pass
    return _classified(status, code, message, retry_after)
