"""The published JSON Schemas carry the model's rules: a standard validator (jsonschema, Draft 2020-12)
accepts every documented example and refuses the same hostile values the model refuses."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from imagefactory.__main__ import SCHEMA_DIRECTORY
from imagefactory.exceptions import RequestValidationError
from imagefactory.request import BuildRequest
from imagefactory.rollout import load_rollout

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 3, 1, tzinfo=UTC)
# The README writes `<sub>` where a reader puts their subscription id.
PLACEHOLDER_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
ROLLOUT_SOURCE = (
    f"/subscriptions/{PLACEHOLDER_SUBSCRIPTION}/resourceGroups/rg-fleet/providers/Microsoft.Compute/"
    "virtualMachines/vm-fleet-01"
)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIRECTORY / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


REQUEST_SCHEMA = _validator("build-request.schema.json")
ROLLOUT_SCHEMA = _validator("rollout.schema.json")


def _readme_blocks(language: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    return [block.replace("<sub>", PLACEHOLDER_SUBSCRIPTION) for block in blocks]


def documented_requests() -> dict[str, dict[str, Any]]:
    found = {"examples/request.json": json.loads((REPO / "examples" / "request.json").read_text())}
    for index, block in enumerate(_readme_blocks("json")):
        found[f"README.md json block {index}"] = json.loads(block)
    return found


def documented_rollouts() -> dict[str, Any]:
    found = {"examples/rollout.yaml": yaml.safe_load((REPO / "examples" / "rollout.yaml").read_text())}
    for index, block in enumerate(_readme_blocks("yaml")):
        found[f"README.md yaml block {index}"] = yaml.safe_load(block)
    return found


def _schema_errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_the_documentation_has_examples_to_check() -> None:
    assert len(documented_requests()) >= 2
    assert len(documented_rollouts()) >= 2


@pytest.mark.parametrize("name", sorted(documented_requests()))
def test_every_documented_request_is_valid_for_the_schema_and_the_model(name: str) -> None:
    document = documented_requests()[name]
    assert _schema_errors(REQUEST_SCHEMA, document) == []
    BuildRequest.parse_obj_strict(document, now=NOW)


@pytest.mark.parametrize("name", sorted(documented_rollouts()))
def test_every_documented_rollout_and_its_templates_are_valid(name: str) -> None:
    document = documented_rollouts()[name]
    assert _schema_errors(ROLLOUT_SCHEMA, json.loads(json.dumps(document, default=str))) == []
    rollout = load_rollout(json.dumps(document))
    for line in rollout.lines:
        request = line.request_document(ROLLOUT_SOURCE)
        assert _schema_errors(REQUEST_SCHEMA, request) == [], line.name
        BuildRequest.parse_obj_strict(request, now=NOW)


Mutation = Callable[[dict[str, Any]], None]
BASE = json.loads((REPO / "examples" / "request.json").read_text())


def _set(path: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        keys = path.split(".")
        target: Any = document
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value

    return mutate


def _vm_name(name: str) -> Mutation:
    return _set("source", BASE["source"].rsplit("/", 1)[0] + "/" + name)


REJECTS: dict[str, Mutation] = {
    "VM name with a trailing newline": _vm_name("vm-web-01\n"),
    "VM name '..'": _vm_name(".."),
    "VM name '.'": _vm_name("."),
    "VM name percent-encoded": _vm_name("%2e%2e"),
    "VM name with '?'": _vm_name("vm?x"),
    "VM name with '#'": _vm_name("vm#x"),
    "VM name with a space": _vm_name("vm web"),
    "VM name of 65 characters": _vm_name("v" * 65),
    "source with a trailing newline": _set("source", BASE["source"] + "\n"),
    "source with a braced GUID": _set(
        "source", BASE["source"].replace(PLACEHOLDER_SUBSCRIPTION, "{" + PLACEHOLDER_SUBSCRIPTION + "}")
    ),
    "gallery name with a trailing newline": _set("target.gallery.name", "corp_gallery\n"),
    "gallery name of 81 characters": _set("target.gallery.name", "g" * 81),
    "gallery name '..'": _set("target.gallery.name", ".."),
    "resource group of 91 characters": _set("target.gallery.resource_group", "r" * 91),
    "resource group with a non-ASCII letter": _set("target.gallery.resource_group", "rg-imagés"),
    "definition name with a trailing newline": _set("target.definition.name", "ubuntu\n"),
    "version with a trailing newline": _set("target.version", "1.4.0\n"),
    "version with Arabic-Indic digits": _set("target.version", "\u0661.\u0664.\u0660"),
    "version with a leading zero": _set("target.version", "01.4.0"),
    "version with two parts": _set("target.version", "1.4"),
    "region with a trailing newline": _set("target.replication.target_regions.0.name", "westeurope\n"),
    "region with a hyphen": _set("target.replication.target_regions.0.name", "west-europe"),
    "correlation id with a trailing newline": _set("correlation_id", "pipeline-run-4711\n"),
    "gallery subscription without hyphens": _set(
        "target.gallery.subscription_id", PLACEHOLDER_SUBSCRIPTION.replace("-", "")
    ),
    "gallery subscription in braces": _set(
        "target.gallery.subscription_id", "{" + PLACEHOLDER_SUBSCRIPTION + "}"
    ),
    "gallery subscription with a non-ASCII digit": _set(
        "target.gallery.subscription_id", "\u0661" + PLACEHOLDER_SUBSCRIPTION[1:]
    ),
    "publisher with NUL": _set("target.definition.publisher", "contoso\x00"),
    "publisher with a lone surrogate": _set("target.definition.publisher", "contoso\ud800"),
    "description with a control character": _set("target.definition.description", "web\x1bimage"),
    "description of 2049 characters": _set("target.definition.description", "d" * 2049),
    "results queue with a double hyphen": _set("report", {"results_queue": "image--results"}),
    "results queue with a trailing newline": _set("report", {"results_queue": "image-results\n"}),
    "unknown top-level field": _set("colour", "blue"),
    "unknown nested field": _set("target.gallery.colour", "blue"),
}


@pytest.mark.parametrize("case", sorted(REJECTS))
def test_schema_and_model_refuse_the_same_hostile_values(case: str) -> None:
    document = copy.deepcopy(BASE)
    REJECTS[case](document)
    assert _schema_errors(REQUEST_SCHEMA, document), f"the schema accepted: {case}"
    with pytest.raises(RequestValidationError):
        BuildRequest.parse_obj_strict(document, now=NOW)


ACCEPTS: dict[str, Mutation] = {
    "upper-case GUID (ARM compares ids case-insensitively)": _set(
        "target.gallery.subscription_id", PLACEHOLDER_SUBSCRIPTION.upper()
    ),
    "version 0.0.0 (every part may be 0)": _set("target.version", "0.0.0"),
    "region as a display name": _set("target.replication.target_regions.0.name", "West Europe"),
    "description with line breaks": _set("target.definition.description", "line one\nline two\ttabbed"),
    "publisher with an emoji": _set("target.definition.publisher", "contoso \U0001f680"),
    "VM name of 64 characters": _vm_name("v" * 64),
}


@pytest.mark.parametrize("case", sorted(ACCEPTS))
def test_schema_and_model_accept_the_same_edge_values(case: str) -> None:
    document = copy.deepcopy(BASE)
    ACCEPTS[case](document)
    assert _schema_errors(REQUEST_SCHEMA, document) == []
    BuildRequest.parse_obj_strict(document, now=NOW)
