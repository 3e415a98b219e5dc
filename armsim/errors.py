"""ARM error responses as small exception classes.

Each class fixes the HTTP status and the ARM `error.code`; raising one anywhere in a handler
produces the envelope `{"error": {"code", "message", "target"?, "details"?}}` that azure-core
maps to its exception types (404 -> ResourceNotFoundError, 409 -> ResourceExistsError, ...).
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An error ARM or the Compute resource provider would answer with."""

    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.details = details
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequestError(ArmError):
    status = 400
    code = "BadRequest"


class InvalidParameterError(ArmError):
    status = 400
    code = "InvalidParameter"


class InvalidResourceLocationError(ArmError):
    status = 400
    code = "InvalidResourceLocation"


class InvalidRequestContentError(ArmError):
    status = 400
    code = "InvalidRequestContent"


class MissingApiVersionError(ArmError):
    status = 400
    code = "MissingApiVersionParameter"

    def __init__(self) -> None:
        super().__init__("The api-version query parameter (?api-version=) is required for all requests.")


class InvalidSubscriptionIdError(ArmError):
    status = 400
    code = "InvalidSubscriptionId"

    def __init__(self, subscription: str) -> None:
        super().__init__(f"The provided subscription identifier '{subscription}' is malformed or invalid.")


class AuthenticationFailedError(ArmError):
    status = 401
    code = "AuthenticationFailed"


class InvalidAuthenticationTokenError(ArmError):
    status = 401
    code = "InvalidAuthenticationToken"


class ResourceNotFoundError(ArmError):
    status = 404
    code = "ResourceNotFound"


class ParentResourceNotFoundError(ArmError):
    status = 404
    code = "ParentResourceNotFound"


class NotFoundError(ArmError):
    """The Compute gallery and disk services' own 404 code (ARM's generic one is ResourceNotFound)."""

    status = 404
    code = "NotFound"


class NoRouteError(ArmError):
    status = 404
    code = "InvalidResourceType"


class MethodNotAllowedError(ArmError):
    status = 405
    code = "MethodNotAllowed"


class OperationNotAllowedError(ArmError):
    status = 409
    code = "OperationNotAllowed"


class ConflictError(ArmError):
    status = 409
    code = "Conflict"


class PropertyChangeNotAllowedError(ArmError):
    status = 409
    code = "PropertyChangeNotAllowed"


class CannotDeleteResourceError(ArmError):
    status = 409
    code = "CannotDeleteResource"


class TooManyRequestsError(ArmError):
    status = 429
    code = "TooManyRequests"


class InternalServerError(ArmError):
    status = 500
    code = "InternalServerError"


class ServiceUnavailableError(ArmError):
    status = 503
    code = "ServiceUnavailable"


class ConfigError(ValueError):
    """Bad input to armsim's own admin API or CLI (not an ARM error): names the field and the rule."""


class GalleryImageNotFoundError(ArmError):
    """The VM's image reference names a gallery image not available in the VM's region."""

    status = 404
    code = "GalleryImageNotFound"

    def __init__(self, image_id: str, region: str) -> None:
        super().__init__(
            f"The gallery image {image_id} is not available in {region} region. Please contact image owner "
            "to replicate to this region, or change your requested region."
        )


class InvalidResourceReferenceError(ArmError):
    """Microsoft.Network: a NIC names a subnet that does not exist in the NIC's region."""

    status = 400
    code = "InvalidResourceReference"


class NicInUseError(ArmError):
    status = 400
    code = "NicInUse"
