"""The rules can fail: each test breaks one thing in a copy of infra/ and expects the rule that
guards it to report that very thing (and test_template shows the same rule passing on the real
templates). A rule that cannot fail would let a broken template through `make test`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.infra import rules_access, rules_hosting, rules_settings
from tests.unit.infra.bicep import INFRA, Templates, load


@dataclass(frozen=True)
class Mutation:
    file: str
    old: str
    new: str
    rule: Callable[[Templates], list[str]]
    reported: str


MUTATIONS = {
    "shared keys on": Mutation(
        "modules/storage.bicep",
        "allowSharedKeyAccess: false",
        "allowSharedKeyAccess: true",
        rules_hosting.storage_problems,
        "allowSharedKeyAccess: is true, must be false",
    ),
    "tls 1.0": Mutation(
        "modules/storage.bicep",
        "minimumTlsVersion: 'TLS1_2'",
        "minimumTlsVersion: 'TLS1_0'",
        rules_hosting.storage_problems,
        "minimumTlsVersion: is 'TLS1_0'",
    ),
    "public blobs": Mutation(
        "modules/storage.bicep",
        "allowBlobPublicAccess: false",
        "allowBlobPublicAccess: true",
        rules_hosting.storage_problems,
        "allowBlobPublicAccess: is true",
    ),
    "missing table role": Mutation(
        "modules/storage.bicep",
        "resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {",
        "resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (false) {",
        rules_access.role_assignment_problems,
        "",
    ),  # conditional now: still declared, see below
    "wrong queue role id": Mutation(
        "modules/storage.bicep",
        "var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'",
        "var storageQueueDataContributor = '19e7f393-937e-4f77-808e-94535e297925'",
        rules_access.role_assignment_problems,
        "no Storage Queue Data Contributor",
    ),
    "no metrics publisher": Mutation(
        "modules/monitoring.bicep",
        "var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'",
        "var monitoringMetricsPublisher = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'",
        rules_access.role_assignment_problems,
        "no Monitoring Metrics Publisher",
    ),
    "random assignment name": Mutation(
        "modules/monitoring.bicep",
        "name: guid(appInsights.id, publisherPrincipalId, monitoringMetricsPublisher)",
        "name: newGuid()",
        rules_access.role_assignment_problems,
        "publisher name: is new_guid()",
    ),
    "role copied instead of loaded": Mutation(
        "modules/builder-role.bicep",
        "loadJsonContent('../role-definition.json')",
        "loadJsonContent('../other-role.json')",
        rules_access.custom_role_problems,
        "var role: is load_json_content('../other-role.json')",
    ),
    "role assigned at one scope only": Mutation(
        "main.bicep",
        "[for (groupId, index) in allowedResourceGroupIds: {",
        "[for (groupId, index) in take(allowedResourceGroupIds, 1): {",
        rules_access.custom_role_problems,
        "builderAssignments loop: is take(allowedResourceGroupIds, 1)",
    ),
    "allow-list typed by hand": Mutation(
        "main.bicep",
        "IMAGEFACTORY_ALLOWED_SCOPES: join(allowedResourceGroupIds, ',')",
        "IMAGEFACTORY_ALLOWED_SCOPES: '/subscriptions/00000000-0000-0000-0000-000000000000'",
        rules_access.allowed_scopes_problems,
        "IMAGEFACTORY_ALLOWED_SCOPES: is '/subscriptions/",
    ),
    "python 3.12": Mutation(
        "modules/function-app.bicep",
        "version: '3.13'",
        "version: '3.12'",
        rules_hosting.flex_plan_problems,
        "runtime.version: is '3.12'",
    ),
    "elastic premium plan": Mutation(
        "modules/function-app.bicep",
        "name: 'FC1'",
        "name: 'EP1'",
        rules_hosting.flex_plan_problems,
        "sku.name: is 'EP1'",
    ),
    "system-assigned identity": Mutation(
        "modules/function-app.bicep",
        "type: 'UserAssigned'\n",
        "type: 'SystemAssigned, UserAssigned'\n",
        rules_hosting.identity_problems,
        "identity.type: is 'SystemAssigned, UserAssigned'",
    ),
    "local auth on": Mutation(
        "modules/monitoring.bicep",
        "DisableLocalAuth: true",
        "DisableLocalAuth: false",
        rules_hosting.app_insights_problems,
        "DisableLocalAuth: is false",
    ),
    "results queue missing": Mutation(
        "main.bicep",
        "      rejectsQueueName\n      resultsQueueName\n",
        "      rejectsQueueName\n",
        rules_hosting.queue_problems,
        "params.queueNames: is [buildQueueName, rejectsQueueName]",
    ),
    "scheduler always deployed": Mutation(
        "main.bicep",
        "module scheduler 'modules/durable-task-scheduler.bicep' = if (useScheduler) {",
        "module scheduler 'modules/durable-task-scheduler.bicep' = {",
        rules_hosting.scheduler_problems,
        "module scheduler condition: is None",
    ),
    "connection string key": Mutation(
        "main.bicep",
        "  AzureWebJobsStorage__credential: 'managedidentity'\n",
        "  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https'\n",
        rules_settings.host_storage_problems,
        "AzureWebJobsStorage__credential: is <missing>",
    ),
    "telemetry by key": Mutation(
        "main.bicep",
        "'ClientId=${identity.outputs.clientId};Authorization=AAD'",
        "''",
        rules_settings.telemetry_problems,
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: is ''",
    ),
    "setting dropped": Mutation(
        "main.bicep",
        "  IMAGEFACTORY_SYSPREP_POLL_SECONDS: '60'\n",
        "",
        rules_settings.app_model_problems,
        "IMAGEFACTORY_SYSPREP_POLL_SECONDS (imagefactory/settings.py) is not set",
    ),
    "default drifted": Mutation(
        "main.bicep",
        "IMAGEFACTORY_HTTP_TIMEOUT_SECONDS: '30'",
        "IMAGEFACTORY_HTTP_TIMEOUT_SECONDS: '300'",
        rules_settings.app_model_problems,
        "IMAGEFACTORY_HTTP_TIMEOUT_SECONDS: is '300', must be '30'",
    ),
    "worker runtime setting on flex": Mutation(
        "main.bicep",
        "  AZURE_CLIENT_ID: identity.outputs.clientId\n",
        "  AZURE_CLIENT_ID: identity.outputs.clientId\n  FUNCTIONS_WORKER_RUNTIME: 'python'\n",
        rules_settings.app_model_problems,
        "FUNCTIONS_WORKER_RUNTIME is not allowed on Flex",
    ),
    "scheduler settings always on": Mutation(
        "main.bicep",
        "}, useScheduler ? {",
        "}, true ? {",
        rules_settings.durable_settings_problems,
        "storageProvider__type: is 'azureManaged' if true",
    ),
}


def mutated(tmp_path: Path, mutation: Mutation) -> Templates:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    target = copy / mutation.file
    text = target.read_text(encoding="utf-8")
    assert text.count(mutation.old) == 1, f"{mutation.file} no longer contains the text this test mutates"
    target.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
    return load(copy)


@pytest.mark.parametrize("name", sorted(set(MUTATIONS) - {"missing table role"}))
def test_rule_reports_the_mutation(tmp_path: Path, name: str) -> None:
    mutation = MUTATIONS[name]
    problems = mutation.rule(mutated(tmp_path, mutation))
    assert any(mutation.reported in problem for problem in problems), problems


def test_a_deleted_role_assignment_is_reported(tmp_path: Path) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    storage = copy / "modules" / "storage.bicep"
    text = storage.read_text(encoding="utf-8")
    start = text.index("resource tableDataContributor ")
    end = text.index("resource operatorQueueSender ")
    storage.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = rules_access.role_assignment_problems(load(copy))
    assert problems == [
        "modules/storage.bicep: no Storage Table Data Contributor (0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3) "
        "for appPrincipalId on account"
    ]


def test_a_role_assignment_made_conditional_is_reported(tmp_path: Path) -> None:
    problems = rules_access.role_assignment_problems(mutated(tmp_path, MUTATIONS["missing table role"]))
    assert any("tableDataContributor is conditional" in problem for problem in problems), problems


def test_the_custom_role_file_must_exist(tmp_path: Path) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    (copy / "role-definition.json").unlink()
    problems = rules_access.custom_role_problems(load(copy), copy)
    assert problems == [f"{copy / 'role-definition.json'} is missing"]
