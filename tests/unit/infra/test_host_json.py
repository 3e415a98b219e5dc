"""host.json fits Flex Consumption and the template's Durable settings.

The template switches the Durable back end by app settings alone, so host.json and main.bicep
must agree on names: the hub is `%IMAGEFACTORY_TASK_HUB%` (the Durable extension resolves a
whole-string %SETTING% in hubName, and nothing else in storageProvider), and the scheduler's
AzureFunctionsJobHost__ overrides must address keys that host.json really has.
"""

from __future__ import annotations

import json
import re
from typing import Any

from demo.settings_docs import EXAMPLE
from imagefactory.settings import Settings
from tests.unit.infra.bicep import MAIN, ROOT, repository_templates
from tests.unit.infra.rules_settings import HOST_OVERRIDE, app_settings

HOST = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
TIMESPAN = re.compile(r"^(\d\d):(\d\d):(\d\d)$")


def seconds(timespan: str) -> int:
    match = TIMESPAN.match(timespan)
    assert match, f"{timespan!r} is not hh:mm:ss"
    hours, minutes, secs = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


def test_hub_name_comes_from_the_setting_the_template_sets() -> None:
    assert HOST["extensions"]["durableTask"]["hubName"] == "%IMAGEFACTORY_TASK_HUB%"
    assert "IMAGEFACTORY_TASK_HUB" in app_settings(repository_templates()[MAIN])
    local = json.loads(EXAMPLE.read_text(encoding="utf-8"))["Values"]
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", local["IMAGEFACTORY_TASK_HUB"]), (
        "local default hub name"
    )


def test_azure_storage_is_the_default_provider_and_the_overrides_address_real_keys() -> None:
    durable: dict[str, Any] = HOST["extensions"]["durableTask"]
    assert durable["storageProvider"]["type"] == "AzureStorage"
    overrides = [
        name
        for name in app_settings(repository_templates()[MAIN])
        if name.startswith("AzureFunctionsJobHost__")
    ]
    assert sorted(overrides) == sorted([f"{HOST_OVERRIDE}type", f"{HOST_OVERRIDE}connectionStringName"])
    for name in overrides:
        path = name.removeprefix("AzureFunctionsJobHost__").split("__")
        node: Any = HOST
        for key in path[:-1]:
            assert key in node, f"{name}: host.json has no {key!r} on that path"
            node = node[key]


def test_function_timeout_bounds_a_stuck_activity_well_above_a_slow_one() -> None:
    """Activities make a few ARM calls, each bounded by the HTTP timeout and the retry settings."""
    timeout = seconds(HOST["functionTimeout"])
    defaults = Settings.from_env({})
    slowest_call = defaults.http_timeout_seconds * (defaults.http_retry_total + 1)
    assert timeout >= 3 * slowest_call
    assert timeout <= 10 * 60, "Flex recycles instances with about 10 minutes of grace; stay inside it"


def test_sampling_keeps_requests_and_exceptions() -> None:
    sampling = HOST["logging"]["applicationInsights"]["samplingSettings"]
    assert sampling["isEnabled"] is True
    assert set(sampling["excludedTypes"].split(";")) == {"Request", "Exception"}


def test_durable_task_logs_at_warning() -> None:
    levels = HOST["logging"]["logLevel"]
    for category in ("Host.Triggers.DurableTask", "DurableTask.AzureStorage", "DurableTask.Core"):
        assert levels[category] == "Warning", category


def test_queue_and_durable_options_are_kept() -> None:
    assert HOST["extensions"]["queues"]["messageEncoding"] == "base64"
    assert HOST["extensions"]["queues"]["maxDequeueCount"] == 5
    assert HOST["extensions"]["durableTask"]["maxConcurrentActivityFunctions"] == 10
