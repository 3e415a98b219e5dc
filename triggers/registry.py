"""The blueprint every entry point registers on, with typed wrappers over the SDK's untyped decorators.

The queue and timer bindings resolve `%SETTING%` expressions from app settings, exactly as the
Functions host does. The storage connection of the queue bindings is the NAME held by
IMAGEFACTORY_QUEUE_CONNECTION (default "AzureWebJobsStorage"), read when the app is indexed, so
the trigger, the rejects output and the publish activity always use one storage account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import azure.durable_functions as df

from imagefactory.settings import Settings

bp = df.Blueprint()

_F = TypeVar("_F", bound=Callable[..., Any])

BUILD_QUEUE_EXPRESSION = "%IMAGEFACTORY_BUILD_QUEUE%"
REJECTS_QUEUE_EXPRESSION = "%IMAGEFACTORY_BUILD_QUEUE%-rejects"
SCHEDULE_EXPRESSION = "%IMAGEFACTORY_ROLLOUT_SCHEDULE%"


def queue_connection_name() -> str:
    """The app setting NAME holding the storage connection string (IMAGEFACTORY_QUEUE_CONNECTION)."""
    return Settings.from_env().queue_connection_setting


def typed(decorated: Any) -> Callable[[_F], _F]:
    """Keep mypy's view of a function through one of the SDK's untyped decorators."""

    def apply(function: _F) -> _F:
        return cast(_F, decorated(function))

    return apply
