"""ARM list pages: `{value, nextLink}` with a `$skiptoken` continuation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from armsim.errors import InvalidParameterError
from armsim.http import ArmRequest

PAGE_SIZE = 100


def paged(req: ArmRequest, items: list[dict[str, Any]], page_size: int = PAGE_SIZE) -> dict[str, Any]:
    token = req.query.get("$skiptoken", "0")
    if not token.isdigit():
        raise InvalidParameterError(f"The $skiptoken '{token}' is invalid.", target="$skiptoken")
    start = int(token)
    body: dict[str, Any] = {"value": items[start : start + page_size]}
    if start + page_size < len(items):
        query = urlencode({"api-version": req.api_version or "", "$skiptoken": str(start + page_size)})
        body["nextLink"] = f"{req.base_url}{req.path}?{query}"
    return body
