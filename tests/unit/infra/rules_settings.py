"""Rules on the Function App's app settings as main.bicep composes them.

main.bicep builds one `appSettings` object as a union of smaller objects, some of them chosen by
a condition (the scheduler's settings). `app_settings` flattens that union into name -> rendered
value (+ the condition it depends on), so the rules read like the settings table they check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from demo.settings_docs import PLATFORM_SETTINGS
from imagefactory.settings import Settings
from tests.unit.infra.bicep import MAIN, Template, Templates
from tests.unit.infra.rules_hosting import expect

# App settings that Flex Consumption takes from functionAppConfig instead, and rejects as settings.
FLEX_REJECTED = (
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
)
# Settings that take their value from a template parameter or resource, not a model default.
DERIVED = {
    "IMAGEFACTORY_ARM_ENDPOINT": "environment().resourceManager",
    "IMAGEFACTORY_ALLOWED_SCOPES": "join(allowedResourceGroupIds, ',')",
    "IMAGEFACTORY_BUILD_QUEUE": "buildQueueName",
    "IMAGEFACTORY_RESULTS_QUEUE": "resultsQueueName",
    "IMAGEFACTORY_RESULT_QUEUES": "join(extraResultQueueNames, ',')",
    "IMAGEFACTORY_EXTRA_REGIONS": "join(extraRegions, ',')",
    "IMAGEFACTORY_DELETE_OPT_IN_TAG": "deleteOptInTag",
    "IMAGEFACTORY_ROLLOUT_SCHEDULE": "rolloutSchedule",
    "IMAGEFACTORY_ROLLOUT_FILE": "rolloutFile",
    "IMAGEFACTORY_ROLLOUT_DRY_RUN": "rolloutDryRun ? 'true' : 'false'",
}
SCHEDULER_CONNECTION = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
HOST_OVERRIDE = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__"


@dataclass(frozen=True)
class Setting:
    value: str
    condition: str | None


def _objects(
    template: Template, node: Any, condition: str | None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    node = template.resolve(node)
    if isinstance(node, dict) and set(node) == {"function"} and node["function"]["type"] == "union":
        for argument in node["function"]["parameters"].values():
            yield from _objects(template, argument, condition)
    elif isinstance(node, dict) and set(node) == {"operator"} and node["operator"]["type"] == "conditional":
        operands = node["operator"]["operands"]
        test = template.render(operands["condition"])
        yield from _objects(template, operands["true_value"], test)
        yield from _objects(template, operands["false_value"], f"!{test}")
    elif isinstance(node, dict):
        yield node, condition
    # a parameter (extraAppSettings) contributes no names the template itself fixes


def app_settings(main: Template) -> dict[str, Setting]:
    """Every app setting main.bicep passes to the Function App module."""
    passed = main.module("functionApp").body["params"].get("appSettings")
    found: dict[str, Setting] = {}
    for mapping, condition in _objects(main, passed, None):
        for name, value in mapping.items():
            found[name] = Setting(main.render(main.resolve(value)), condition)
    return found


def _model_default(alias: str) -> str | None:
    for field in Settings.model_fields.values():
        if field.alias == alias:
            default = field.default
            return (
                None
                if default is None
                else str(default).lower()
                if isinstance(default, bool)
                else str(default)
            )
    return None


def host_storage_problems(templates: Templates) -> list[str]:
    problems: list[str] = []
    settings = app_settings(templates[MAIN])
    for name, wanted in {
        "AzureWebJobsStorage__accountName": "storage.outputs.name",
        "AzureWebJobsStorage__credential": "'managedidentity'",
        "AzureWebJobsStorage__clientId": "identity.outputs.clientId",
        "AZURE_CLIENT_ID": "identity.outputs.clientId",
    }.items():
        setting = settings.get(name)
        expect(problems, f"app setting {name}", setting.value if setting else "<missing>", wanted)
    if "AzureWebJobsStorage" in settings:
        problems.append(
            "app setting AzureWebJobsStorage (a connection string) must not exist: shared keys are off"
        )
    return problems


def telemetry_problems(templates: Templates) -> list[str]:
    problems: list[str] = []
    settings = app_settings(templates[MAIN])
    for name, wanted in {
        "APPLICATIONINSIGHTS_CONNECTION_STRING": "monitoring.outputs.connectionString",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": (
            "'ClientId=${identity.outputs.clientId};Authorization=AAD'"
        ),
    }.items():
        setting = settings.get(name)
        expect(problems, f"app setting {name}", setting.value if setting else "<missing>", wanted)
    return problems


def app_model_problems(templates: Templates) -> list[str]:
    """Every setting the app reads is set: derived ones from parameters, the rest at the model default."""
    problems: list[str] = []
    settings = app_settings(templates[MAIN])
    for field in Settings.model_fields.values():
        alias = str(field.alias)
        setting = settings.get(alias)
        if setting is None:
            problems.append(f"app setting {alias} (imagefactory/settings.py) is not set by the template")
            continue
        if setting.condition is not None:
            problems.append(f"app setting {alias} is set only when {setting.condition}")
        wanted = DERIVED.get(alias)
        expect(
            problems,
            f"app setting {alias}",
            setting.value,
            wanted if wanted else f"'{_model_default(alias)}'",
        )
    for name, _, _ in PLATFORM_SETTINGS:
        if name in FLEX_REJECTED or name == "AzureWebJobsStorage":
            continue
        if name not in settings:
            problems.append(f"app setting {name} (README settings table) is not set by the template")
    problems.extend(
        f"app setting {name} is not allowed on Flex Consumption" for name in FLEX_REJECTED if name in settings
    )
    return problems


def durable_settings_problems(templates: Templates) -> list[str]:
    """The task hub is always named; the scheduler's settings exist exactly when it is deployed."""
    problems: list[str] = []
    main = templates[MAIN]
    settings = app_settings(main)
    hub = settings.get("IMAGEFACTORY_TASK_HUB")
    # the same variable names the scheduler's task hub (scheduler_problems checks that side)
    expect(
        problems,
        "app setting IMAGEFACTORY_TASK_HUB",
        f"{hub.value} if {hub.condition}" if hub else "<missing>",
        f"{main.render(main.resolve('taskHub'))} if None",
    )
    wanted = {
        SCHEDULER_CONNECTION: "'Endpoint=${scheduler.outputs.endpoint};Authentication=ManagedIdentity;"
        "ClientID=${identity.outputs.clientId}'",
        f"{HOST_OVERRIDE}type": "'azureManaged'",
        f"{HOST_OVERRIDE}connectionStringName": f"'{SCHEDULER_CONNECTION}'",
    }
    for name, value in wanted.items():
        setting = settings.get(name)
        expect(
            problems,
            f"app setting {name}",
            f"{setting.value} if {setting.condition}" if setting else "<missing>",
            f"{value} if useScheduler",
        )
    return problems


SETTINGS_RULES: dict[str, Callable[[Templates], list[str]]] = {
    "host storage through the identity": host_storage_problems,
    "telemetry through the identity": telemetry_problems,
    "every app setting of the settings model": app_model_problems,
    "durable back end settings": durable_settings_problems,
}
