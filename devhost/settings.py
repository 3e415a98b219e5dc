"""App settings and host.json, read the way the Functions host reads them.

Settings come from local.settings.json "Values", then the process environment (which wins, as with
the Core Tools), then explicit overrides given to the host. They are exported to os.environ before
function_app.py is imported, because app code reads its configuration from the environment. Once
the host knows its Azurite, every setting that says `UseDevelopmentStorage=true` is exported again
holding that Azurite's connection string (see DevHost), so app code and bindings reach the same one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost.errors import SettingsError

DEVELOPMENT_STORAGE = "usedevelopmentstorage=true"
DEFAULT_CONNECTION = "AzureWebJobsStorage"

_EXPRESSION = re.compile(r"%([^%]+)%")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$")


@dataclass(frozen=True)
class AppSettings:
    """Resolved setting values, with the binding-expression rules the host applies.

    `exports` are the values to put into os.environ (local.settings.json and overrides); `values` is
    everything a binding expression may name (the environment included).
    """

    values: Mapping[str, str]
    exports: Mapping[str, str]

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def resolve(self, value: str, *, where: str) -> str:
        """Replace each %NAME% in a binding value with the setting; a missing setting is an error."""

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            found = self.values.get(name)
            if found is None:
                raise SettingsError(
                    f"{where}: binding expression %{name}% names an app setting that is not set"
                )
            return found

        return _EXPRESSION.sub(substitute, value)

    def connection_string(self, connection: str | None, *, where: str, azurite: str | None) -> str:
        """Turn a binding's `connection` (a setting name) into a storage connection string.

        `UseDevelopmentStorage=true` means "the local emulator", i.e. the Azurite this host uses.
        """
        name = self.resolve(connection, where=where) if connection else DEFAULT_CONNECTION
        value = self.values.get(name)
        if value is None:
            raise SettingsError(
                f"{where}: connection setting {name!r} is not set (add it to local.settings.json Values, "
                "e.g. \"UseDevelopmentStorage=true\")"
            )
        if _is_development_storage(value):
            if azurite is None:
                raise SettingsError(
                    f"{where}: connection setting {name!r} is UseDevelopmentStorage=true "
                    "but no Azurite is running"
                )
            return azurite
        return value

    def development_storage_names(self) -> list[str]:
        """Names of the settings whose value is `UseDevelopmentStorage=true`, sorted.

        App code that reads such a setting itself (not through a binding) must reach the Azurite
        this host uses, which listens on a port of its own, not the emulator's default 10001.
        """
        return sorted(name for name, value in self.values.items() if _is_development_storage(value))

    def uses_development_storage(self, connection: str | None) -> bool:
        """True when the binding's connection points at the local emulator (so Azurite is needed)."""
        try:
            name = self.resolve(connection, where="connection") if connection else DEFAULT_CONNECTION
        except SettingsError:
            return False
        value = self.values.get(name)
        return value is not None and _is_development_storage(value)


def _is_development_storage(value: str) -> bool:
    return value.strip().rstrip(";").lower() == DEVELOPMENT_STORAGE


def read_local_settings(app_dir: Path) -> dict[str, str]:
    """The "Values" of local.settings.json (empty when the file is absent, as the Core Tools allow)."""
    path = app_dir / "local.settings.json"
    if not path.exists():
        return {}
    document = _read_json(path)
    values = document.get("Values", {})
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: \"Values\" must be an object of string settings")
    result: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(value, str | int | float | bool):
            raise SettingsError(f"{path}: Values.{key} must be a string, got {type(value).__name__}")
        result[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return result


def load_settings(app_dir: Path, overrides: Mapping[str, str] | None = None) -> AppSettings:
    """local.settings.json, then os.environ (wins), then explicit overrides (win over both)."""
    local = read_local_settings(app_dir)
    exports = {key: os.environ.get(key, value) for key, value in local.items()}
    exports.update(overrides or {})
    return AppSettings(values={**os.environ, **exports}, exports=exports)


@contextmanager
def exported(values: Mapping[str, str]) -> Iterator[None]:
    """Export settings to os.environ for the host's lifetime, then restore what was there before."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in previous.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def read_host_json(app_dir: Path) -> dict[str, Any]:
    """host.json as a dict (empty when absent: every option then takes its default)."""
    path = app_dir / "host.json"
    return _read_json(path) if path.exists() else {}


def parse_timespan(value: object, *, field: str) -> float:
    """A .NET TimeSpan string ("[d.]hh:mm:ss[.fffffff]") as seconds, the format host.json uses."""
    if not isinstance(value, str):
        raise SettingsError(f"host.json {field}: must be a TimeSpan string like \"00:00:30\", got {value!r}")
    match = _TIMESPAN.match(value.strip())
    if match is None:
        raise SettingsError(f"host.json {field}: {value!r} is not a TimeSpan (\"[d.]hh:mm:ss[.fff]\")")
    days, hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise SettingsError(f"host.json {field}: {value!r} has minutes or seconds above 59")
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float(f"0.{fraction}") if fraction else 0.0)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise SettingsError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: must hold a JSON object")
    return document
