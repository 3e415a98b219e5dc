"""infra/*.bicep deploys what the README promises: every rule holds on the repository's templates.

The rules live in rules_hosting, rules_access and rules_settings; test_template_mutations breaks
a copy of infra/ in one place per rule and checks that the rule reports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from imagefactory.scopes import AllowedScopes
from tests.unit.infra.bicep import INFRA, MAIN, Templates, repository_templates
from tests.unit.infra.rules_access import ACCESS_RULES, REQUIRED_GRANTS, built_in_grants
from tests.unit.infra.rules_hosting import HOSTING_RULES
from tests.unit.infra.rules_settings import SETTINGS_RULES, app_settings

RULES: dict[str, Callable[[Templates], list[str]]] = {**HOSTING_RULES, **ACCESS_RULES, **SETTINGS_RULES}


def test_every_bicep_file_parses_into_declarations() -> None:
    files = sorted(path.relative_to(INFRA).as_posix() for path in INFRA.rglob("*.bicep"))
    templates = repository_templates()
    assert sorted(templates) == files
    assert MAIN in files and len(files) >= 2
    for name, template in templates.items():
        declared = template.resources() + template.modules()
        assert declared, f"{name} declares no resource or module"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_holds(rule: str) -> None:
    assert RULES[rule](repository_templates()) == []


def test_every_required_grant_is_found_by_the_scan() -> None:
    # Guards the scan itself: if it stopped finding assignments the grant rule would fail, not pass,
    # but this names the grants it sees.
    grants, problems = built_in_grants(repository_templates())
    assert problems == []
    assert set(REQUIRED_GRANTS) <= set(grants)


def test_the_role_actions_exist_only_in_role_definition_json() -> None:
    """No template carries a copy of the custom role's actions that could drift from the JSON."""
    role = json.loads((INFRA / "role-definition.json").read_text(encoding="utf-8"))
    assert role["Actions"], "role-definition.json lists no actions"
    for path in INFRA.rglob("*.bicep"):
        text = path.read_text(encoding="utf-8")
        copied = [action for action in role["Actions"] if action in text]
        assert not copied, f"{path.name} repeats actions of role-definition.json: {copied}"


def test_allowed_scopes_setting_is_a_list_the_app_parses() -> None:
    """join(allowedResourceGroupIds, ',') yields what imagefactory.scopes reads, scope for scope."""
    setting = app_settings(repository_templates()[MAIN])["IMAGEFACTORY_ALLOWED_SCOPES"]
    assert setting.value == "join(allowedResourceGroupIds, ',')"
    groups = [
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-build",
        "/subscriptions/66666666-7777-8888-9999-000000000000/resourceGroups/rg-images",
    ]
    scopes = AllowedScopes.parse(",".join(groups))
    assert [str(scope) for scope in scopes.scopes] == groups
    assert scopes.allows("66666666-7777-8888-9999-000000000000", "RG-IMAGES")
    assert not scopes.allows("11111111-2222-3333-4444-555555555555", "rg-images")
