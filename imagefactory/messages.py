"""The documents build systems read from the results queue, as typed models with published schemas.

Two kinds share the queue, told apart by `kind` (the wire encoding is in imagefactory.publishing).
They are the contract with consumers, so they are built here from models and their JSON schemas
are committed under schemas/ (`python -m imagefactory schema --write`), like the request's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from imagefactory.result import BuildResult

RESULT_KIND: Final = "image-build-result"
REGION_READY_KIND: Final = "image-region-ready"


class RegionReadyMessage(BaseModel):
    """Sent as each region completes replication, when the request asks for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["image-region-ready"] = REGION_READY_KIND
    build_id: str
    correlation_id: str | None = None
    image_id: str = Field(description="Resource id of the gallery image version.")
    version: str
    region: str = Field(description="Azure region, normalised (lower case, no spaces).")
    ready_at: datetime = Field(description="When the build saw the region Completed (UTC).")


def result_message(result: BuildResult) -> dict[str, Any]:
    """The result document as sent: without `published` (a message cannot report its own delivery)."""
    return {"kind": RESULT_KIND, **result.model_dump(mode="json", exclude={"published"})}


def result_message_schema() -> dict[str, Any]:
    """JSON schema of `result_message`: BuildResult's, with `kind` and without `published`."""
    schema = BuildResult.model_json_schema()
    properties = {name: spec for name, spec in schema["properties"].items() if name != "published"}
    schema["properties"] = {"kind": {"const": RESULT_KIND, "type": "string"}, **properties}
    schema["required"] = ["kind", *(name for name in schema.get("required", []) if name != "published")]
    schema["title"] = "BuildResultMessage"
    schema["$defs"] = {k: v for k, v in schema.get("$defs", {}).items() if k != "Publication"}
    return schema
