"""What can go wrong between the host and its language worker, one class per thing to act on."""

from __future__ import annotations

from devhost.errors import DevHostError


class WorkerError(DevHostError):
    """Base class: the language worker could not be started, refused the app, or was lost."""


class WorkerStartError(WorkerError):
    """The worker process did not start or did not open its stream in time."""


class WorkerRefusedError(WorkerError):
    """The worker library refused the app at init, indexing or load; the message is the worker's."""


class WorkerConnectionLostError(WorkerError):
    """The worker's stream ended (its process exited, crashed or was restarted) mid-request."""


class FunctionTimeoutError(WorkerError):
    """An invocation ran past host.json's functionTimeout; the host restarted the worker."""
