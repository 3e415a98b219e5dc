"""The README settings table and local.settings.example.json document every setting, as the model says,
and the example settings fit the example files the README's manual run uses."""

from __future__ import annotations

import json

from armsim.__main__ import load_seed
from armsim.backend import Backend
from demo.settings_docs import EXAMPLE, README, REPO, example, readme_with_table, rows
from imagefactory.rollout import load_rollout
from imagefactory.scopes import AllowedScopes
from imagefactory.settings import Settings
from imagefactory.submit import validated


def test_readme_table_is_in_sync_with_the_settings_model() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text, "run: python -m demo.settings_docs --write"


def test_example_file_is_in_sync_and_names_every_setting() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == example(), "run: python -m demo.settings_docs --write"
    values = json.loads(example())["Values"]
    for field in Settings.model_fields.values():
        assert field.alias in values
    assert "AzureWebJobsStorage" in values


def test_every_setting_has_a_description() -> None:
    assert all(description for _, _, description in rows())
    names = [name for name, _, _ in rows()]
    assert len(names) == len(set(names))


def example_values() -> dict[str, str]:
    values = json.loads(EXAMPLE.read_text(encoding="utf-8"))["Values"]
    assert isinstance(values, dict)
    return values


def test_example_rollout_file_exists_and_is_valid() -> None:
    """The README's manual run uses the example settings as they are, run from the repository root."""
    path = REPO / example_values()["IMAGEFACTORY_ROLLOUT_FILE"]
    assert path.is_file(), f"IMAGEFACTORY_ROLLOUT_FILE names {path}, which does not exist"
    rollout = load_rollout(path)
    assert [line.name for line in rollout.lines] == ["golden", "fleet"]


def test_example_scopes_cover_the_example_request_and_every_seeded_vm() -> None:
    values = example_values()
    scopes = AllowedScopes.parse(values["IMAGEFACTORY_ALLOWED_SCOPES"])
    request = validated((REPO / "examples" / "request.json").read_bytes())
    assert scopes.check(request) == []
    seed = json.loads((REPO / "examples" / "armsim-seed.json").read_text(encoding="utf-8"))
    seeded_ids = set()
    for vm in seed["vms"]:
        assert scopes.allows(vm["subscription"], vm["resource_group"]), vm["name"]
        seeded_ids.add(
            f"/subscriptions/{vm['subscription']}/resourceGroups/{vm['resource_group']}"
            f"/providers/Microsoft.Compute/virtualMachines/{vm['name']}".lower()
        )
    assert request.source.lower() in seeded_ids, "the example request must name a VM the seed file creates"


def test_example_seed_file_is_accepted_by_armsim() -> None:
    backend = Backend()
    assert load_seed(backend, REPO / "examples" / "armsim-seed.json") == 3
    assert len(backend.vms) == 3


def test_example_arm_endpoint_is_the_port_the_readme_starts_armsim_on() -> None:
    endpoint = example_values()["IMAGEFACTORY_ARM_ENDPOINT"]
    assert endpoint == "http://127.0.0.1:4010"
    assert "python -m armsim --port 4010" in README.read_text(encoding="utf-8")
