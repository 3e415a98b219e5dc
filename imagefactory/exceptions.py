"""Error classes of the imagefactory package (the one place they live).

Request-side errors come first; pipeline-side classes are appended at the end of the file.
Every entry point (queue, HTTP, timer, CLI) turns these into the same text, so the messages are
written for the person who sent the request: they name the field and the rule that failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One broken rule in one field.

    `field` is a dotted path such as ``target.replication.target_regions[1].replica_count``
    (empty for the document itself), `rule` a stable machine-readable name callers can match on,
    `message` the human sentence.
    """

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def to_dict(self) -> dict[str, str]:
        """The JSON shape used in HTTP 400 bodies and poison-queue reasons."""
        return {"field": self.field, "rule": self.rule, "message": self.message}


class ImageFactoryError(Exception):
    """Base of every error the domain raises on purpose."""


class RequestValidationError(ImageFactoryError, ValueError):
    """A build request (or a rollout template) broke one or more rules.

    Carries every broken rule at once so a sender can fix the whole request in one round.
    """

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        if not self.errors:
            raise ValueError("RequestValidationError needs at least one FieldError")
        super().__init__("; ".join(str(error) for error in self.errors))

    def to_dicts(self) -> list[dict[str, str]]:
        return [error.to_dict() for error in self.errors]


class ResourceIdError(ImageFactoryError, ValueError):
    """A string is not the ARM resource id of the expected kind."""


class VersionFormatError(ImageFactoryError, ValueError):
    """A gallery image version name is not Major.Minor.Patch within the 32-bit range."""


class VersionPolicyError(ImageFactoryError, ValueError):
    """A version policy cannot produce a valid next version (for example int32 overflow)."""


class ScopeConfigurationError(ImageFactoryError, ValueError):
    """The allowed-scopes setting holds something that is not an ARM subscription or group scope."""


class RolloutFileError(ImageFactoryError, ValueError):
    """A rollout file cannot be read or breaks the rollout rules.

    `source` names the file (or "<text>") so the message points at where to fix it.
    """

    def __init__(self, source: str, errors: Iterable[FieldError]) -> None:
        self.source = source
        self.errors: list[FieldError] = list(errors)
        if not self.errors:
            raise ValueError("RolloutFileError needs at least one FieldError")
        super().__init__(f"{source}: " + "; ".join(str(error) for error in self.errors))


class SubmitError(ImageFactoryError):
    """A valid request could not be put on the build queue (storage unreachable, bad settings)."""


# --- Pipeline-side error classes are added below this line. ---


class SettingsError(ImageFactoryError, ValueError):
    """App settings (environment) break a rule; each problem names the variable and the rule."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("invalid app settings: " + "; ".join(self.problems))


class AzureCallError(ImageFactoryError):
    """An Azure Resource Manager call failed; carries what the orchestrator needs to decide.

    `code`/`message` are ARM's (for example "OperationNotAllowed"), `status` the HTTP status
    (0 when no response arrived), `retry_after` the server's hint in seconds when it gave one.
    """

    transient = False

    def __init__(self, code: str, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{code}: {message}")


class TransientAzureError(AzureCallError):
    """Throttling (429), a server error (5xx) or a broken connection: worth retrying later."""

    transient = True


class PermanentAzureError(AzureCallError):
    """A call Azure refused for a reason that retrying does not change (4xx other than 429)."""


class PublishError(ImageFactoryError):
    """A result or region-ready message could not be put on its queue."""
