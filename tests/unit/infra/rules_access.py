"""Rules on who may do what: built-in role assignments, the custom role, the allowed scopes.

Same contract as rules_hosting: each rule returns its problems, empty when it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.unit.infra.bicep import INFRA, MAIN, Template, Templates, module_template
from tests.unit.infra.rules_hosting import MONITORING, SCHEDULER, STORAGE, expect

ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
ROLE_DEFINITION = "Microsoft.Authorization/roleDefinitions"
BUILDER_ROLE = "modules/builder-role.bicep"
GROUP_ASSIGNMENT = "modules/resource-group-role-assignment.bicep"
ROLE_DEFINITION_FILE = "role-definition.json"

# Built-in role definition ids (Azure's list of built-in roles).
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
STORAGE_QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88"
STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
DURABLE_TASK_DATA_CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"


@dataclass(frozen=True)
class Grant:
    """A role assignment as the rules compare it: file, scope, principal and built-in role id."""

    template: str
    scope: str
    principal: str
    role: str


# What the app identity must hold: on the storage account, the Application Insights component and
# (when deployed) the scheduler. Principals are the parameter each module receives the id in.
REQUIRED_GRANTS = {
    Grant(STORAGE, "account", "appPrincipalId", STORAGE_BLOB_DATA_OWNER): "Storage Blob Data Owner",
    Grant(
        STORAGE, "account", "appPrincipalId", STORAGE_QUEUE_DATA_CONTRIBUTOR
    ): "Storage Queue Data Contributor",
    Grant(
        STORAGE, "account", "appPrincipalId", STORAGE_TABLE_DATA_CONTRIBUTOR
    ): "Storage Table Data Contributor",
    Grant(
        MONITORING, "appInsights", "publisherPrincipalId", MONITORING_METRICS_PUBLISHER
    ): "Monitoring Metrics Publisher",
    Grant(
        SCHEDULER, "scheduler", "appPrincipalId", DURABLE_TASK_DATA_CONTRIBUTOR
    ): "Durable Task Data Contributor",
}


def _literal(template: Template, node: object) -> str:
    """A built-in role id: the literal the expression (or the variable it names) holds."""
    resolved = template.resolve(node)
    return resolved if isinstance(resolved, str) else template.render(resolved)


def built_in_grants(templates: Templates) -> tuple[dict[Grant, tuple[str, str | None]], list[str]]:
    """Every role assignment (symbol and condition by grant), and the problems in how they are written."""
    grants: dict[Grant, tuple[str, str | None]] = {}
    problems: list[str] = []
    for name, template in templates.items():
        for assignment in template.resources(ROLE_ASSIGNMENT):
            properties = assignment.body.get("properties", {})
            definition = template.resolve(properties.get("roleDefinitionId", {}))
            function = definition.get("function", {}) if isinstance(definition, dict) else {}
            arguments = function.get("parameters", {})
            if (
                function.get("type") != "subscription_resource_id"
                or arguments.get("resource_type") != ROLE_DEFINITION
            ):
                problems.append(
                    f"{name} {assignment.symbol}: roleDefinitionId must be subscriptionResourceId("
                    f"'{ROLE_DEFINITION}', <role id>)"
                )
                continue
            scope = template.render(assignment.body.get("scope"))
            principal = template.render(properties.get("principalId"))
            role_node = arguments.get("resource_name_1")
            expected_name = f"guid({scope}.id, {principal}, {template.render(role_node)})"
            if name != GROUP_ASSIGNMENT:
                expect(
                    problems,
                    f"{name} {assignment.symbol} name",
                    template.render(assignment.body.get("name")),
                    expected_name,
                )
            grants[Grant(name, scope, principal, _literal(template, role_node))] = (
                assignment.symbol,
                assignment.condition,
            )
    return grants, problems


def role_assignment_problems(templates: Templates) -> list[str]:
    grants, problems = built_in_grants(templates)
    for grant, role_name in REQUIRED_GRANTS.items():
        if grant not in grants:
            problems.append(
                f"{grant.template}: no {role_name} ({grant.role}) for {grant.principal} on {grant.scope}"
            )
        elif grants[grant][1] is not None:
            symbol, condition = grants[grant]
            problems.append(
                f"{grant.template}: {symbol} is conditional ({condition}); the app always needs it"
            )
    main = templates[MAIN]
    for module, parameter in (
        ("storage", "appPrincipalId"),
        ("monitoring", "publisherPrincipalId"),
        ("scheduler", "appPrincipalId"),
    ):
        expect(
            problems,
            f"{MAIN} {module} params.{parameter}",
            main.render(main.module(module).body["params"].get(parameter)),
            "identity.outputs.principalId",
        )
    return problems


def custom_role_problems(templates: Templates, infra: Path = INFRA) -> list[str]:
    """The custom role is role-definition.json, loaded as is, created and assigned on every allowed scope."""
    problems: list[str] = []
    role_template = templates[BUILDER_ROLE]
    loaded = role_template.render(role_template.resolve("role"))
    expect(problems, f"{BUILDER_ROLE} var role", loaded, f"load_json_content('../{ROLE_DEFINITION_FILE}')")
    if not (infra / ROLE_DEFINITION_FILE).is_file():
        problems.append(f"{infra / ROLE_DEFINITION_FILE} is missing")
    definitions = role_template.resources(ROLE_DEFINITION)
    if len(definitions) != 1:
        return [*problems, f"{BUILDER_ROLE}: {len(definitions)} role definitions, expected 1"]
    body = definitions[0].body["properties"]
    expect(
        problems,
        f"{BUILDER_ROLE} permissions",
        role_template.render(body.get("permissions")),
        "[{actions: role.Actions, notActions: role.NotActions, dataActions: role.DataActions, "
        "notDataActions: role.NotDataActions}]",
    )
    expect(
        problems,
        f"{BUILDER_ROLE} description",
        role_template.render(body.get("description")),
        "role.Description",
    )
    expect(problems, f"{BUILDER_ROLE} type", role_template.render(body.get("type")), "'CustomRole'")
    expect(
        problems,
        f"{BUILDER_ROLE} assignableScopes",
        role_template.render(body.get("assignableScopes")),
        "union([resource_group().id], assignableResourceGroupIds)",
    )
    main = templates[MAIN]
    expect(
        problems,
        f"{MAIN} builderRole params.assignableResourceGroupIds",
        main.render(main.module("builderRole").body["params"].get("assignableResourceGroupIds")),
        "allowedResourceGroupIds",
    )
    assignments = main.module("builderAssignments")
    expect(problems, f"{MAIN} builderAssignments loop", str(assignments.loop), "allowedResourceGroupIds")
    expect(
        problems,
        f"{MAIN} builderAssignments scope",
        main.render(assignments.body.get("scope")),
        "resource_group(split(groupId, '/')[4], split(groupId, '/')[2])",
    )
    for parameter, wanted in (
        ("principalId", "identity.outputs.principalId"),
        ("roleGuid", "builderRole.outputs.roleGuid"),
    ):
        expect(
            problems,
            f"{MAIN} builderAssignments params.{parameter}",
            main.render(assignments.body["params"].get(parameter)),
            wanted,
        )
    assignment_template = module_template(templates, main, "builderAssignments")
    found = assignment_template.resources(ROLE_ASSIGNMENT)
    if len(found) != 1:
        return [*problems, f"{GROUP_ASSIGNMENT}: {len(found)} role assignments, expected 1"]
    properties = found[0].body["properties"]
    expect(
        problems,
        f"{GROUP_ASSIGNMENT} roleDefinitionId",
        assignment_template.render(assignment_template.resolve(properties.get("roleDefinitionId"))),
        "subscription_resource_id('Microsoft.Authorization/roleDefinitions', roleGuid)",
    )
    expect(
        problems,
        f"{GROUP_ASSIGNMENT} name",
        assignment_template.render(found[0].body.get("name")),
        "guid(resource_group().id, principalId, roleGuid)",
    )
    return problems


def allowed_scopes_problems(templates: Templates) -> list[str]:
    """IMAGEFACTORY_ALLOWED_SCOPES is the very list the custom role is granted on."""
    from tests.unit.infra.rules_settings import app_settings

    problems: list[str] = []
    main = templates[MAIN]
    declared = main.parameters.get("allowedResourceGroupIds")
    if declared is None or declared["type"] != "array" or declared["default"] is not None:
        problems.append(f"{MAIN}: allowedResourceGroupIds must be a required array parameter")
    settings = app_settings(main)
    scopes = settings.get("IMAGEFACTORY_ALLOWED_SCOPES")
    expect(
        problems,
        f"{MAIN} IMAGEFACTORY_ALLOWED_SCOPES",
        scopes.value if scopes else "<missing>",
        "join(allowedResourceGroupIds, ',')",
    )
    return problems


ACCESS_RULES: dict[str, Callable[[Templates], list[str]]] = {
    "built-in role assignments": role_assignment_problems,
    "custom role": custom_role_problems,
    "allowed scopes": allowed_scopes_problems,
}
