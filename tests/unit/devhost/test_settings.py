"""Settings, binding expressions, connection strings and host.json TimeSpans."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devhost.errors import SettingsError
from devhost.settings import AppSettings, exported, load_settings, parse_timespan, read_local_settings


def write_settings(folder: Path, values: dict[str, object]) -> None:
    (folder / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))


def test_environment_wins_over_local_settings_and_overrides_win_over_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_settings(tmp_path, {"A": "file", "B": "file", "C": "file", "FLAG": True})
    monkeypatch.setenv("B", "env")
    monkeypatch.setenv("C", "env")
    settings = load_settings(tmp_path, {"C": "override"})
    assert (settings.get("A"), settings.get("B"), settings.get("C"), settings.get("FLAG")) == (
        "file", "env", "override", "true"
    )
    assert settings.exports == {"A": "file", "B": "env", "C": "override", "FLAG": "true"}


def test_exported_settings_are_restored_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVHOST_KEEP", "before")
    monkeypatch.delenv("DEVHOST_NEW", raising=False)
    with exported({"DEVHOST_KEEP": "during", "DEVHOST_NEW": "during"}):
        assert os.environ["DEVHOST_KEEP"] == os.environ["DEVHOST_NEW"] == "during"
    assert os.environ["DEVHOST_KEEP"] == "before"
    assert "DEVHOST_NEW" not in os.environ


def test_binding_expressions_resolve_and_missing_ones_are_named() -> None:
    settings = AppSettings(values={"QUEUE": "orders", "ENV": "dev"}, exports={})
    assert settings.resolve("%QUEUE%-%ENV%", where="function 'f'") == "orders-dev"
    assert settings.resolve("literal", where="function 'f'") == "literal"
    with pytest.raises(SettingsError, match=r"function 'f': binding expression %MISSING% names"):
        settings.resolve("%MISSING%", where="function 'f'")


def test_development_storage_maps_to_the_running_azurite() -> None:
    settings = AppSettings(values={"AzureWebJobsStorage": "UseDevelopmentStorage=true", "Other": "Conn=1"},
                           exports={})
    assert settings.connection_string(None, where="f", azurite="AZURITE") == "AZURITE"
    assert settings.connection_string("Other", where="f", azurite="AZURITE") == "Conn=1"
    assert settings.uses_development_storage(None) and not settings.uses_development_storage("Other")
    with pytest.raises(SettingsError, match="no Azurite is running"):
        settings.connection_string(None, where="f", azurite=None)
    with pytest.raises(SettingsError, match="'Nope' is not set"):
        settings.connection_string("Nope", where="f", azurite="AZURITE")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0.0), ("00:00:30", 30.0), ("00:01:00", 60.0), ("01:00:00", 3600.0),
     ("1.02:03:04", 93784.0), ("00:00:00.250", 0.25)],
)
def test_timespans(text: str, seconds: float) -> None:
    assert parse_timespan(text, field="x") == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["30", "00:61:00", "abc", 30])
def test_bad_timespans_name_the_field(bad: object) -> None:
    with pytest.raises(SettingsError, match=r"host\.json extensions\.queues\.visibilityTimeout"):
        parse_timespan(bad, field="extensions.queues.visibilityTimeout")


def test_local_settings_values_must_be_an_object(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_text(json.dumps({"Values": ["a"]}))
    with pytest.raises(SettingsError, match='"Values" must be an object'):
        read_local_settings(tmp_path)


def test_task_hub_name_from_a_setting_as_the_extension_resolves_it() -> None:
    from devhost.host import HostConfig

    document = {"extensions": {"durableTask": {"hubName": "%HUB%"}}}
    settings = AppSettings(values={"HUB": "NightlyHub"}, exports={})
    assert HostConfig.from_host_json(document, settings).task_hub == "NightlyHub"
    with pytest.raises(SettingsError, match=r"hubName.*%HUB% names an app setting that is not set"):
        HostConfig.from_host_json(document, AppSettings(values={}, exports={}))
