"""devhost's durable engine: the Durable extension's job, done locally with the real Python SDK replay."""

from devhost.durable.engine import DurableEngine
from devhost.durable.errors import (
    DurableEngineError,
    EngineNotStartedError,
    InstanceAlreadyRunningError,
    InstanceNotFoundError,
    InstanceNotRunningError,
    InvalidRequestError,
    UnknownFunctionError,
)
from devhost.durable.status import ActivityInvocation, EngineStats, InstanceStatus

__all__ = [
    "ActivityInvocation",
    "DurableEngine",
    "DurableEngineError",
    "EngineNotStartedError",
    "EngineStats",
    "InstanceAlreadyRunningError",
    "InstanceNotFoundError",
    "InstanceNotRunningError",
    "InstanceStatus",
    "InvalidRequestError",
    "UnknownFunctionError",
]
