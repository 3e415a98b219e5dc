"""The rejects document: an invalid build message, kept together with why it was refused.

An invalid message never becomes valid by being retried, so the queue trigger does not raise for
it (which would cost five deliveries and land the bare body in `<queue>-poison` without a reason).
It writes one JSON document to `<build queue>-rejects` and completes. The document holds the
original body as received (text when it is UTF-8, base64 otherwise), its size and SHA-256, and the
same field errors the HTTP API answers with, so whoever drains the rejects queue can fix and resend
it.

A queue message holds 64 KiB once base64-encoded (host.json `messageEncoding`), and a body close to
that limit would not fit next to its errors. Such a document keeps the start of the body, says it
is truncated, and keeps the full body's size and SHA-256 so the sender can match it to what it
sent; a very long error list is cut the same way, saying how many errors were left out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from imagefactory.exceptions import FieldError

REJECT_KIND = "image-build-rejected"
MAX_ENCODED_MESSAGE_BYTES = 64 * 1024


def encoded_size(text: str) -> int:
    """Bytes the queue stores for `text`: UTF-8, then base64."""
    return 4 * ((len(text.encode("utf-8")) + 2) // 3)


def reject_document(
    body: bytes,
    errors: list[FieldError],
    *,
    queue: str,
    message_id: str | None,
    dequeue_count: int | None,
    rejected_at: datetime,
    max_encoded_bytes: int = MAX_ENCODED_MESSAGE_BYTES,
) -> dict[str, Any]:
    """The document for the rejects queue, always small enough to be enqueued."""
    document: dict[str, Any] = {
        "kind": REJECT_KIND,
        "queue": queue,
        "message_id": message_id,
        "dequeue_count": dequeue_count,
        "rejected_at": rejected_at.isoformat(),
        "errors": [error.to_dict() for error in errors],
        "original": _original(body, len(body)),
    }
    if _fits(document, max_encoded_bytes):
        return document
    document["original"] = _original(body, _longest_prefix(body, document, max_encoded_bytes))
    if _fits(document, max_encoded_bytes):
        return document
    return _cut_errors(document, errors, max_encoded_bytes)


def reject_text(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def _original(body: bytes, keep: int) -> dict[str, Any]:
    """The body (or its first `keep` bytes) with the size and digest of the whole of it."""
    kept = body[:keep]
    original: dict[str, Any] = {"size_bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    try:
        body.decode("utf-8")
        original.update(encoding="text", text=kept.decode("utf-8", errors="ignore"))
    except UnicodeDecodeError:
        original.update(encoding="base64", base64=base64.b64encode(kept).decode("ascii"))
    if keep < len(body):
        original["truncated"] = True
        original["note"] = (
            f"only the first {keep} of {len(body)} bytes are kept: the whole document must fit one "
            f"queue message ({MAX_ENCODED_MESSAGE_BYTES} bytes encoded); size_bytes and sha256 are "
            "the whole body's"
        )
    return original


def _fits(document: dict[str, Any], limit: int) -> bool:
    return encoded_size(reject_text(document)) <= limit


def _longest_prefix(body: bytes, document: dict[str, Any], limit: int) -> int:
    """The most body bytes that still fit (binary search; JSON escaping makes size non-linear)."""
    low, high = 0, len(body)
    while low < high:
        middle = (low + high + 1) // 2
        if _fits({**document, "original": _original(body, middle)}, limit):
            low = middle
        else:
            high = middle - 1
    return low


def _cut_errors(document: dict[str, Any], errors: list[FieldError], limit: int) -> dict[str, Any]:
    """Keep as many errors as fit next to an empty body prefix, and say how many were left out."""
    low, high = 0, len(errors)
    best = document
    while low <= high:
        middle = (low + high) // 2
        candidate = {
            **document,
            "errors": [error.to_dict() for error in errors[:middle]],
            "errors_omitted": len(errors) - middle,
        }
        if _fits(candidate, limit):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best
