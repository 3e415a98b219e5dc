"""Why a pipeline step stopped: raised inside orchestrator generators, turned into the result."""

from __future__ import annotations

from typing import Any


class PipelineStepError(Exception):
    """Base: a step of the build failed; `code`/`message` go into the result document."""

    def __init__(self, phase: str, code: str, message: str) -> None:
        self.phase = phase
        self.code = code
        self.message = message
        super().__init__(f"{phase}: {code}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "code": self.code, "message": self.message}


class StepFailedError(PipelineStepError):
    """Azure refused a step (permanent error) or kept failing transiently past the retry bound."""


class PhaseTimeoutError(PipelineStepError):
    """A phase did not finish within its timeout setting."""

    def __init__(self, phase: str, seconds: float, setting: str) -> None:
        super().__init__(phase, "PhaseTimeout", f"{phase} did not finish within {seconds:.0f} s ({setting})")
