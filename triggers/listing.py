"""GET /api/builds query parameters: status filter and creation-time window.

`status` accepts what the build views show (Running, Succeeded, Failed, Terminated) and the durable
runtime states (Pending, Completed, Suspended, ...), comma-separated and case-insensitive, because
an operator asking for "Failed" means a build that failed, whether the orchestration ended with a
Failed result document or crashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from imagefactory.exceptions import FieldError
from triggers.errors import QueryValidationError
from triggers.responses import BuildSnapshot, overall_status

BUILD_STATES = ("Running", "Succeeded", "Failed", "Terminated")
RUNTIME_STATES = (
    "Pending",
    "Running",
    "Completed",
    "ContinuedAsNew",
    "Failed",
    "Canceled",
    "Terminated",
    "Suspended",
)
KNOWN = {name.lower(): name for name in (*BUILD_STATES, *RUNTIME_STATES)}


@dataclass(frozen=True)
class ListQuery:
    statuses: frozenset[str] = field(default_factory=frozenset)
    created_from: datetime | None = None
    created_to: datetime | None = None

    def matches(self, snapshot: BuildSnapshot) -> bool:
        if not self.statuses:
            return True
        return overall_status(snapshot) in self.statuses or snapshot.runtime_status in self.statuses


def _when(params: dict[str, str], name: str, errors: list[FieldError]) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors.append(
            FieldError(
                name,
                "datetime",
                f"must be an ISO 8601 date or date-time such as 2030-01-31T00:00:00Z, got {text!r}",
            )
        )
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_list_query(params: dict[str, str]) -> ListQuery:
    """The query, or QueryValidationError naming each bad parameter."""
    errors: list[FieldError] = []
    unknown = sorted(set(params) - {"status", "from", "to", "code"})
    errors.extend(
        FieldError(name, "unknown_parameter", "unknown query parameter (use status, from, to)")
        for name in unknown
    )
    statuses: set[str] = set()
    for raw in (part.strip() for part in params.get("status", "").split(",")):
        if not raw:
            continue
        known = KNOWN.get(raw.lower())
        if known is None:
            errors.append(
                FieldError(
                    "status",
                    "allowed_values",
                    f"must be among {', '.join(sorted(set(KNOWN.values())))}, got {raw!r}",
                )
            )
        else:
            statuses.add(known)
    created_from = _when(params, "from", errors)
    created_to = _when(params, "to", errors)
    if created_from and created_to and created_from > created_to:
        errors.append(FieldError("from", "range", "must not be later than 'to'"))
    if errors:
        raise QueryValidationError(errors)
    return ListQuery(frozenset(statuses), created_from, created_to)
