"""The protocol's typed payloads for each binding devhost serves, both ways.

What the host sends is what the Functions host and its extensions send a Python worker: a queue
message as its text (bytes when it is not UTF-8) with the message's properties as trigger metadata
(JSON-encoded, since the worker library decodes metadata from `json` or `string` data), a timer's
TimerInfo as JSON, an HTTP request as RpcHttp with the raw body as bytes (the worker announces
RawHttpBodyBytes), the durable client binding and an orchestration's context as strings, and an
activity's input as its JSON text. Coming back, output and return values are turned into plain
values: str, bytes, parsed JSON, or an HttpReply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devhost.worker import protos


def string(value: str) -> Any:
    return protos.TypedData(string=value)


def json_text(text: str) -> Any:
    return protos.TypedData(json=text)


def binding(name: str, data: Any) -> Any:
    return protos.ParameterBinding(name=name, data=data)


def _timestamp(moment: datetime | None) -> Any:
    return json_text(json.dumps(moment.isoformat())) if moment is not None else None


def queue_message(
    body: bytes,
    *,
    message_id: str,
    dequeue_count: int,
    inserted_on: datetime | None,
    expires_on: datetime | None,
    next_visible_on: datetime | None,
    pop_receipt: str | None,
) -> tuple[Any, dict[str, Any]]:
    """The trigger's data and metadata for one queue message."""
    try:
        data = string(body.decode("utf-8"))
    except UnicodeDecodeError:
        data = protos.TypedData(bytes=body)
    metadata: dict[str, Any] = {
        "Id": string(message_id),
        "DequeueCount": json_text(str(dequeue_count)),
        "PopReceipt": string(pop_receipt or ""),
    }
    for name, moment in (("InsertionTime", inserted_on), ("ExpirationTime", expires_on),
                         ("NextVisibleTime", next_visible_on)):
        value = _timestamp(moment)
        if value is not None:
            metadata[name] = value
    return data, metadata


def timer_info(*, past_due: bool, schedule_status: Mapping[str, Any] | None) -> Any:
    """TimerInfo as the timer extension serialises it for out-of-process workers."""
    return json_text(json.dumps({
        "Schedule": {"AdjustForDST": True},
        "ScheduleStatus": dict(schedule_status) if schedule_status else None,
        "IsPastDue": past_due,
    }))


def http_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    route_params: Mapping[str, str],
    body: bytes,
) -> Any:
    http = protos.RpcHttp(
        method=method, url=url, headers=dict(headers), query=dict(query), params=dict(route_params),
    )
    http.body.bytes = body
    return protos.TypedData(http=http)


@dataclass(frozen=True)
class HttpReply:
    """An HTTP response as the worker returned it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cookies: tuple[str, ...] = ()


def to_value(data: Any) -> Any:
    """A returned or output TypedData as a plain value (JSON parsed; HTTP as HttpReply)."""
    if data is None:
        return None
    kind = data.WhichOneof("data")
    if kind is None:
        return None
    if kind == "string":
        return data.string
    if kind in ("bytes", "stream"):
        return bytes(getattr(data, kind))
    if kind == "json":
        return json.loads(data.json)
    if kind in ("int", "double"):
        return getattr(data, kind)
    if kind == "http":
        return http_reply(data.http)
    if kind.startswith("collection_"):
        collection = getattr(data, kind)
        return list(getattr(collection, kind.removeprefix("collection_")))
    raise ValueError(f"unsupported TypedData kind {kind!r}")


def json_of(data: Any) -> str | None:
    """The JSON text of a durable trigger's return value (orchestrator state, activity result)."""
    if data is None or data.WhichOneof("data") is None:
        return None
    kind = data.WhichOneof("data")
    if kind in ("json", "string"):
        return str(getattr(data, kind))
    return json.dumps(to_value(data))


def http_reply(http: Any) -> HttpReply:
    body_value = to_value(http.body) if http.HasField("body") else None
    if body_value is None:
        body = b""
    elif isinstance(body_value, bytes):
        body = body_value
    elif isinstance(body_value, str):
        body = body_value.encode("utf-8")
    else:
        body = json.dumps(body_value).encode("utf-8")
    cookies = tuple(_cookie_header(cookie) for cookie in http.cookies)
    return HttpReply(
        status=int(http.status_code or 200), headers=dict(http.headers), body=body, cookies=cookies
    )


def _cookie_header(cookie: Any) -> str:
    parts = [f"{cookie.name}={cookie.value}"]
    if cookie.HasField("path") and cookie.path.HasField("value"):
        parts.append(f"Path={cookie.path.value}")
    if cookie.HasField("domain") and cookie.domain.HasField("value"):
        parts.append(f"Domain={cookie.domain.value}")
    if cookie.HasField("max_age") and cookie.max_age.HasField("value"):
        parts.append(f"Max-Age={int(cookie.max_age.value)}")
    if cookie.HasField("secure") and cookie.secure.value:
        parts.append("Secure")
    if cookie.HasField("http_only") and cookie.http_only.value:
        parts.append("HttpOnly")
    return "; ".join(parts)
