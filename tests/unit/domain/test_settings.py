"""App settings refuse values that would only fail later, naming the variable and the rule."""

from __future__ import annotations

import pytest

from imagefactory.exceptions import SettingsError
from imagefactory.settings import Settings


def test_build_queue_of_55_characters_is_accepted_with_its_rejects_queue_valid() -> None:
    name = "b" * 55
    settings = Settings.from_env({"IMAGEFACTORY_BUILD_QUEUE": name})
    assert settings.build_queue == name
    assert len(f"{settings.build_queue}-rejects") == 63


def test_build_queue_longer_than_55_characters_is_refused_naming_setting_and_rule() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"IMAGEFACTORY_BUILD_QUEUE": "b" * 56})
    assert caught.value.problems == [
        "IMAGEFACTORY_BUILD_QUEUE: must be at most 55 characters (got 56), because invalid messages go "
        "to '<queue>-rejects' and queue names are limited to 63 characters"
    ]


def test_invalid_queue_name_message_has_no_library_prefix() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"IMAGEFACTORY_RESULTS_QUEUE": "Results_Queue"})
    assert caught.value.problems == [
        "IMAGEFACTORY_RESULTS_QUEUE: must be a valid queue name: 3-63 lower-case letters, digits and "
        "single hyphens"
    ]
