"""The door every build passes before an orchestration starts (design principle 4).

The rules live in `imagefactory.admission`, so the producer CLI applies exactly the rules the
queue trigger, the HTTP API and the rollout timer apply; this module is the triggers' name for it.
"""

from __future__ import annotations

from imagefactory.admission import (
    TagReader,
    admit,
    allowed_scopes,
    check_request,
    gateway_tag_reader,
    parse,
    region_catalog,
)

__all__ = [
    "TagReader",
    "admit",
    "allowed_scopes",
    "check_request",
    "gateway_tag_reader",
    "parse",
    "region_catalog",
]
