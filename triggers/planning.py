"""POST /api/plan: the steps a request would take against what exists now, touching nothing.

Reads the VM and the target through the gateway's read methods and hands the facts to the same
pure `make_plan` the pipeline follows, so the answer cannot disagree with what a build would do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from imagefactory.identity import instance_id_for
from imagefactory.inspection import inspect
from imagefactory.plan import make_plan
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings


def plan_document(
    request: BuildRequest, settings: Settings, *, today: datetime | None = None
) -> dict[str, Any]:
    """The plan as JSON, with the build id a start of this request would use (AzureCallError propagates)."""
    found = inspect(request, settings)
    build_id = instance_id_for(request)
    plan = make_plan(
        request,
        found.vm,
        found.target,
        build_id=build_id,
        today=(today or datetime.now(UTC)).date(),
        delete_opt_in_tag=settings.delete_opt_in_tag,
    )
    return {"build_id": build_id, "ok": plan.ok, **plan.model_dump(mode="json")}
