"""Errors raised by the durable engine; the HTTP API maps each to the status code the extension uses."""

from __future__ import annotations


class DurableEngineError(Exception):
    """Base class for every error the engine raises on purpose."""


class UnknownFunctionError(DurableEngineError):
    """An orchestrator or activity name that the loaded app does not define."""


class InstanceNotFoundError(DurableEngineError):
    """No instance with the given id exists in the task hub."""


class InstanceAlreadyRunningError(DurableEngineError):
    """start_new with an explicit id while that instance is still Pending, Running or Suspended
    (the HTTP API answers 500, as the extension does for OrchestrationAlreadyExistsException)."""


class InstanceNotRunningError(DurableEngineError):
    """An operation (raise event, suspend, ...) that needs a live instance hit a finished one."""


class InvalidRequestError(DurableEngineError):
    """A management request with malformed parameters; the message names the field and the rule."""


class EngineNotStartedError(DurableEngineError):
    """The engine was used before ``start()`` or after ``stop()``."""
