"""azure.yaml and main.parameters.json fit the template azd deploys.

azd substitutes ${VAR} (and ${VAR=default}) from the environment into main.parameters.json, then
hands the values to main.bicep; parameters it does not find there it asks for. So every entry must
name a real parameter, and the outputs azd writes back must include what the README's deploy
section uses afterwards.
"""

from __future__ import annotations

import json
import re

import yaml

from tests.unit.infra.bicep import INFRA, MAIN, ROOT, repository_templates

AZURE_YAML = yaml.safe_load((ROOT / "azure.yaml").read_text(encoding="utf-8"))
PARAMETERS = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
PLACEHOLDER = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)(=[^}]*)?\}$")


def test_the_api_service_is_the_python_function_app_at_the_root() -> None:
    assert AZURE_YAML["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    assert AZURE_YAML["services"] == {"api": {"project": ".", "language": "python", "host": "function"}}


def test_the_function_app_carries_the_service_tag_azd_deploys_to() -> None:
    app = repository_templates()["modules/function-app.bicep"].resources("Microsoft.Web/sites")[0]
    assert "'azd-service-name': 'api'" in repository_templates()["modules/function-app.bicep"].render(
        app.body["tags"]
    )


def test_parameter_file_names_template_parameters_with_azd_placeholders() -> None:
    declared = repository_templates()[MAIN].parameters
    assert set(PARAMETERS) <= set(declared)
    for name, entry in PARAMETERS.items():
        assert PLACEHOLDER.match(entry["value"]), (
            f"{name}: {entry['value']!r} is not ${{VAR}} or ${{VAR=default}}"
        )
    assert {name: PARAMETERS[name]["value"] for name in ("environmentName", "location", "principalId")} == {
        "environmentName": "${AZURE_ENV_NAME}",
        "location": "${AZURE_LOCATION}",
        "principalId": "${AZURE_PRINCIPAL_ID}",
    }


def test_parameter_defaults_in_the_file_are_allowed_values() -> None:
    declared = repository_templates()[MAIN].parameters
    for name, entry in PARAMETERS.items():
        match = PLACEHOLDER.match(entry["value"])
        assert match
        allowed = [d["argument"] for d in declared[name]["decorators"] if d["type"] == "allowed"]
        if match.group(2) and allowed:
            assert match.group(2)[1:] in allowed[0], name


def test_outputs_azd_and_the_readme_use() -> None:
    outputs = set(repository_templates()[MAIN].doc["outputs"])
    assert {
        "AZURE_FUNCTION_APP_NAME",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "IMAGEFACTORY_BUILD_QUEUE",
        "IMAGEFACTORY_REJECTS_QUEUE",
        "IMAGEFACTORY_RESULTS_QUEUE",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "IMAGEFACTORY_TASK_HUB",
        "IMAGEFACTORY_DURABLE_BACKEND",
    } <= outputs
    # the output that feeds the durableBackend parameter back on the next `azd provision`
    assert PARAMETERS["durableBackend"]["value"].startswith("${IMAGEFACTORY_DURABLE_BACKEND")
