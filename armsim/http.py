"""Framework-neutral request and reply passed between the server and the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.errors import InvalidRequestContentError
from armsim.ids import Scope


@dataclass
class ArmRequest:
    method: str
    path: str
    query: dict[str, str]  # keys lower-cased: ARM query names are case-insensitive
    body: Any
    base_url: str  # "http://127.0.0.1:PORT", for absolute monitor URLs
    params: dict[str, str] = field(default_factory=dict)  # route parameters
    now: datetime | None = None

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    @property
    def scope(self) -> Scope:
        return Scope(self.params["subscription"], self.params["resource_group"])

    @property
    def resource_name(self) -> str | None:
        """The most specific resource name in the path, which faults can be matched on."""
        for name in ("version", "definition", "name", "gallery", "operation"):
            if name in self.params:
                return self.params[name]
        return None

    def expand(self) -> str:
        return self.query.get("$expand", "").lower()

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise InvalidRequestContentError(
                "The request content was invalid and could not be deserialized: "
                "a JSON object body is required."
            )
        return self.body


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
