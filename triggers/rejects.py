"""The rejects document: an invalid build message, kept together with why it was refused.

An invalid message never becomes valid by being retried, so the queue trigger does not raise for
it (which would cost five deliveries and land the bare body in `<queue>-poison` without a reason).
It writes one JSON document to `<build queue>-rejects` and completes. The document holds the
original body exactly as received (text when it is UTF-8, base64 otherwise) and the same field
errors the HTTP API answers with, so whoever drains the rejects queue can fix and resend it.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from imagefactory.exceptions import FieldError

REJECT_KIND = "image-build-rejected"


def reject_document(
    body: bytes,
    errors: list[FieldError],
    *,
    queue: str,
    message_id: str | None,
    dequeue_count: int | None,
    rejected_at: datetime,
) -> dict[str, Any]:
    try:
        original: dict[str, str] = {"encoding": "text", "text": body.decode("utf-8")}
    except UnicodeDecodeError:
        original = {"encoding": "base64", "base64": base64.b64encode(body).decode("ascii")}
    return {
        "kind": REJECT_KIND,
        "queue": queue,
        "message_id": message_id,
        "dequeue_count": dequeue_count,
        "rejected_at": rejected_at.isoformat(),
        "errors": [error.to_dict() for error in errors],
        "original": original,
    }


def reject_text(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)
