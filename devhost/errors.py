"""Errors devhost raises, one small class per failure a user can act on.

Each message names the function, binding, setting or file involved, because the person reading it
is debugging their app's configuration, not devhost.
"""

from __future__ import annotations


class DevHostError(Exception):
    """Base class: anything devhost reports about the app or its environment."""


class AppLoadError(DevHostError):
    """function_app.py could not be imported or does not define exactly one function app."""


class BindingError(DevHostError):
    """A function declares a binding devhost cannot honour (unsupported type or invalid value)."""


class SettingsError(DevHostError):
    """local.settings.json, host.json or a %SETTING% expression is missing or malformed."""


class ScheduleError(DevHostError):
    """A timer schedule is not a valid six-field NCRONTAB expression."""


class AzuriteNotInstalledError(DevHostError):
    """The Azurite queue emulator executable was not found."""


class AzuriteStartError(DevHostError):
    """Azurite was found but did not start answering in time."""


class HostStateError(DevHostError):
    """A host operation was called in the wrong lifecycle state (e.g. before start)."""


class FunctionNotFoundError(DevHostError):
    """An admin call or test helper named a function the app does not define."""
