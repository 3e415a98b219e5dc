"""The mutable facts of one `build_image` run, shared by its phases and turned into the result.

One object, so each phase module (capture, replication, cleanup, report) records what it did in
the same place and the result can say exactly what state the VM and the image were left in.
"""

from __future__ import annotations

from typing import Any

from imagefactory.gateway.facts import ImageFacts, VersionFacts, VmFacts
from imagefactory.plan import BuildPlan
from imagefactory.request import BuildRequest
from imagefactory.result import ErrorInfo, RegionResult
from imagefactory.settings import Settings
from orchestrators.errors import PipelineStepError
from orchestrators.timeline import Timeline


class Build:
    """Mutable facts of one build run, turned into the result at the end."""

    def __init__(self, context: Any, request: BuildRequest, cfg: Settings) -> None:
        self.context = context
        self.request = request
        self.cfg = cfg
        self.build_id: str = context.instance_id
        self.timeline = Timeline(self.build_id, context.current_utc_datetime)
        self.vm: VmFacts | None = None
        self.plan: BuildPlan | None = None
        self.errors: list[ErrorInfo] = []
        self.notes: list[str] = []
        self.deprovisioned = False
        self.generalized = False
        self.deallocated = False
        self.created: list[str] = []
        self.replaced: list[str] = []
        self.deleted = False
        self.restarted = False
        self.image_exists = False
        self.verified = False
        self.regions: dict[str, RegionResult] = {}
        self.version: VersionFacts | None = None
        self.image: ImageFacts | None = None

    @property
    def now(self) -> Any:
        return self.context.current_utc_datetime

    def begin(self, phase: str) -> None:
        self.timeline.begin(phase, self.now)
        self.timeline.publish(self.context)

    def end(self, phase: str) -> None:
        self.timeline.end(phase, self.now)

    def fail(self, error: PipelineStepError | dict[str, Any]) -> None:
        info = error.to_dict() if isinstance(error, PipelineStepError) else error
        self.errors.append(ErrorInfo.model_validate(info))
