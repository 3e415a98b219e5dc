"""Rules on what the template deploys: plan, app, identity, storage, queues, monitoring, scheduler.

Each rule takes the parsed templates and returns the problems it finds, one readable line each
(empty = the rule holds). Returning problems instead of asserting lets the mutation tests run the
very same rule on a broken copy of infra/ and check that it speaks up.
"""

from __future__ import annotations

from collections.abc import Callable

from imagefactory.settings import BUILD_QUEUE_MAX, REJECTS_SUFFIX, Settings
from tests.unit.infra.bicep import MAIN, Resource, Template, Templates, module_template

FUNCTION_APP = "modules/function-app.bicep"
STORAGE = "modules/storage.bicep"
MONITORING = "modules/monitoring.bicep"
SCHEDULER = "modules/durable-task-scheduler.bicep"


def expect(problems: list[str], where: str, actual: str, wanted: str) -> None:
    """Record a problem when a rendered value differs from the wanted one."""
    if actual != wanted:
        problems.append(f"{where}: is {actual}, must be {wanted}")


def single(template: Template, type_name: str, problems: list[str]) -> Resource | None:
    found = template.resources(type_name)
    if len(found) != 1:
        problems.append(f"{template.name}: {len(found)} resources of type {type_name}, expected exactly 1")
        return None
    return found[0]


def property_at(template: Template, resource: Resource, path: str) -> str:
    """The rendered value at a dotted path of the resource body ('properties.sku.name')."""
    node: object = resource.body
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return "<missing>"
        node = node[key]
    return template.render(template.resolve(node))


def flex_plan_problems(templates: Templates) -> list[str]:
    problems: list[str] = []
    app_template = templates[FUNCTION_APP]
    plan = single(app_template, "Microsoft.Web/serverfarms", problems)
    site = single(app_template, "Microsoft.Web/sites", problems)
    if plan is None or site is None:
        return problems
    checks = [
        (plan, "sku.name", "'FC1'"),
        (plan, "sku.tier", "'FlexConsumption'"),
        (plan, "properties.reserved", "true"),
        (site, "kind", "'functionapp,linux'"),
        (site, "properties.serverFarmId", f"{plan.symbol}.id"),
        (site, "properties.httpsOnly", "true"),
        (site, "properties.functionAppConfig.runtime.name", "'python'"),
        (site, "properties.functionAppConfig.runtime.version", "'3.13'"),
        (site, "properties.functionAppConfig.deployment.storage.type", "'blobContainer'"),
        (
            site,
            "properties.functionAppConfig.deployment.storage.value",
            "'${blobEndpoint}${deploymentContainerName}'",
        ),
        (
            site,
            "properties.functionAppConfig.deployment.storage.authentication.type",
            "'UserAssignedIdentity'",
        ),
        (
            site,
            "properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId",
            "identityId",
        ),
        (
            site,
            "properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount",
            "maximumInstanceCount",
        ),
        (site, "properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB", "instanceMemoryMB"),
        (site, "properties.functionAppConfig.scaleAndConcurrency.alwaysReady", "alwaysReady"),
        (
            site,
            "properties.siteConfig.appSettings",
            "[for setting in items(appSettings): {name: setting.key, value: setting.value}]",
        ),
    ]
    for resource, path, wanted in checks:
        expect(
            problems,
            f"{FUNCTION_APP} {resource.symbol}.{path}",
            property_at(app_template, resource, path),
            wanted,
        )
    main = templates[MAIN]
    passed = main.module("functionApp").body["params"]
    for name in ("maximumInstanceCount", "instanceMemoryMB", "alwaysReady"):
        expect(problems, f"{MAIN} functionApp params.{name}", main.render(passed.get(name)), name)
        if name not in main.parameters:
            problems.append(f"{MAIN}: no parameter {name}")
    return problems


def identity_problems(templates: Templates) -> list[str]:
    """One user-assigned identity, and the app runs as that identity alone."""
    problems: list[str] = []
    identities = [
        (name, r)
        for name, t in templates.items()
        for r in t.resources("Microsoft.ManagedIdentity/userAssignedIdentities")
    ]
    if len(identities) != 1:
        problems.append(f"{len(identities)} user-assigned identities declared, expected exactly 1")
    app_template = templates[FUNCTION_APP]
    site = single(app_template, "Microsoft.Web/sites", problems)
    if site is not None:
        expect(
            problems,
            f"{FUNCTION_APP} identity.type",
            property_at(app_template, site, "identity.type"),
            "'UserAssigned'",
        )
        expect(
            problems,
            f"{FUNCTION_APP} identity.userAssignedIdentities",
            property_at(app_template, site, "identity.userAssignedIdentities"),
            "{'${identityId}': {}}",
        )
    main = templates[MAIN]
    expect(
        problems,
        f"{MAIN} functionApp params.identityId",
        main.render(main.module("functionApp").body["params"].get("identityId")),
        "identity.outputs.id",
    )
    return problems


def storage_problems(templates: Templates) -> list[str]:
    problems: list[str] = []
    template = templates[STORAGE]
    account = single(template, "Microsoft.Storage/storageAccounts", problems)
    if account is None:
        return problems
    for path, wanted in {
        "properties.allowSharedKeyAccess": "false",
        "properties.minimumTlsVersion": "'TLS1_2'",
        "properties.allowBlobPublicAccess": "false",
        "properties.supportsHttpsTrafficOnly": "true",
    }.items():
        expect(problems, f"{STORAGE} {account.symbol}.{path}", property_at(template, account, path), wanted)
    for container in template.resources("Microsoft.Storage/storageAccounts/blobServices/containers"):
        expect(
            problems,
            f"{STORAGE} {container.symbol}.properties.publicAccess",
            property_at(template, container, "properties.publicAccess"),
            "'None'",
        )
    return problems


def queue_problems(templates: Templates) -> list[str]:
    """The build, rejects and results queues exist, named as the app's settings model names them."""
    problems: list[str] = []
    template = templates[STORAGE]
    queues = template.resources("Microsoft.Storage/storageAccounts/queueServices/queues")
    if [(q.loop, template.render(q.body.get("name"))) for q in queues] != [("queueNames", "queueName")]:
        problems.append(f"{STORAGE}: expected one queue resource looping over queueNames")
    main = templates[MAIN]
    expect(
        problems,
        f"{MAIN} storage params.queueNames",
        main.render(main.module("storage").body["params"].get("queueNames")),
        "[buildQueueName, rejectsQueueName, resultsQueueName]",
    )
    expect(
        problems,
        f"{MAIN} var rejectsQueueName",
        main.render(main.resolve("rejectsQueueName")),
        f"'${{buildQueueName}}{REJECTS_SUFFIX}'",
    )
    defaults = Settings.model_fields
    for parameter, field in (("buildQueueName", "build_queue"), ("resultsQueueName", "results_queue")):
        declared = main.parameters.get(parameter)
        if declared is None:
            problems.append(f"{MAIN}: no parameter {parameter}")
            continue
        expect(
            problems,
            f"{MAIN} param {parameter} default",
            str(declared["default"]),
            str(defaults[field].default),
        )
    build = main.parameters.get("buildQueueName") or {}
    max_length = [d["argument"] for d in build.get("decorators", []) if d["type"] == "max_length"]
    if max_length != [BUILD_QUEUE_MAX]:
        problems.append(
            f"{MAIN} param buildQueueName: @maxLength must be {BUILD_QUEUE_MAX} (room for -rejects)"
        )
    return problems


def app_insights_problems(templates: Templates) -> list[str]:
    problems: list[str] = []
    template = templates[MONITORING]
    component = single(template, "Microsoft.Insights/components", problems)
    workspace = single(template, "Microsoft.OperationalInsights/workspaces", problems)
    if component is None or workspace is None:
        return problems
    expect(
        problems,
        f"{MONITORING} DisableLocalAuth",
        property_at(template, component, "properties.DisableLocalAuth"),
        "true",
    )
    expect(
        problems,
        f"{MONITORING} WorkspaceResourceId",
        property_at(template, component, "properties.WorkspaceResourceId"),
        f"{workspace.symbol}.id",
    )
    return problems


def scheduler_problems(templates: Templates) -> list[str]:
    """The Durable Task Scheduler exists only when durableBackend asks for it."""
    problems: list[str] = []
    main = templates[MAIN]
    backend = main.parameters.get("durableBackend") or {}
    allowed = [d["argument"] for d in backend.get("decorators", []) if d["type"] == "allowed"]
    if allowed != [["AzureStorage", "DurableTaskScheduler"]] or backend.get("default") != "AzureStorage":
        problems.append(
            f"{MAIN} param durableBackend: must allow AzureStorage|DurableTaskScheduler, default AzureStorage"
        )
    expect(
        problems,
        f"{MAIN} var useScheduler",
        main.render(main.resolve("useScheduler")),
        "durableBackend == 'DurableTaskScheduler'",
    )
    module = main.module("scheduler")
    expect(problems, f"{MAIN} module scheduler condition", str(module.condition), "useScheduler")
    expect(
        problems,
        f"{MAIN} scheduler params.taskHubName",
        main.render(module.body["params"].get("taskHubName")),
        "taskHub",
    )
    dts = module_template(templates, main, "scheduler")
    scheduler = single(dts, "Microsoft.DurableTask/schedulers", problems)
    hub = single(dts, "Microsoft.DurableTask/schedulers/taskHubs", problems)
    if scheduler is not None and hub is not None:
        expect(problems, f"{SCHEDULER} task hub parent", dts.render(hub.body.get("parent")), scheduler.symbol)
        expect(problems, f"{SCHEDULER} task hub name", dts.render(hub.body.get("name")), "taskHubName")
    unconditional = [
        f"{name}:{r.symbol}"
        for name, t in templates.items()
        if name != SCHEDULER
        for r in t.resources()
        if r.type.startswith("Microsoft.DurableTask/")
    ]
    if unconditional:
        problems.append(f"Durable Task resources outside the conditional scheduler module: {unconditional}")
    return problems


HOSTING_RULES: dict[str, Callable[[Templates], list[str]]] = {
    "flex plan and app": flex_plan_problems,
    "user-assigned identity": identity_problems,
    "storage account": storage_problems,
    "queues": queue_problems,
    "application insights": app_insights_problems,
    "durable task scheduler": scheduler_problems,
}
