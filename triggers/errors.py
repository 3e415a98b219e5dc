"""Error classes of the entry points (queue, timer, HTTP).

Request problems are `imagefactory.exceptions.RequestValidationError` (field + rule + message);
the classes here are about the entry points themselves: a query string that breaks a rule, and a
start that the durable back end refused for a reason other than a duplicate.
"""

from __future__ import annotations

from imagefactory.exceptions import FieldError


class TriggerError(Exception):
    """Base of the errors raised on purpose by the triggers package."""


class QueryValidationError(TriggerError, ValueError):
    """A query-string parameter of the HTTP API breaks a rule; carries FieldErrors like a request."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


class StartRefusedError(TriggerError):
    """The durable back end refused a start and the instance still does not exist afterwards.

    Raised (never swallowed) so the queue platform retries the message and finally poisons it.
    """
