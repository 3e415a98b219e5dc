"""Rollout files: loading with pointed errors, and pure, idempotent expansion per occurrence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from imagefactory.exceptions import FieldError, RolloutFileError
from imagefactory.request import GalleryTarget
from imagefactory.rollout import ListedVm, RolloutFile, VmSummary, expand, load_rollout, plan
from tests.unit.request.samples import SUBSCRIPTION

GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-agents"
REFERENCE_VM = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-golden"
    + "/providers/Microsoft.Compute/virtualMachines/golden"
)
OCCURRENCE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)

ROLLOUT_YAML = f"""
lines:
  - name: golden-web
    reference_vm: {REFERENCE_VM}
    template:
      generalize: none
      target:
        kind: gallery
        gallery: {{resource_group: rg-images, name: corp_gallery}}
        definition: {{name: web, os_state: Specialized}}
        version: {{policy: next_patch}}
  - name: agents
    sweep: {{resource_group: {GROUP}, tag: image-line, value: agents}}
    template:
      delete_source_vm: true
      target:
        kind: gallery
        gallery: {{resource_group: rg-images, name: corp_gallery}}
        definition: {{name: agent}}
        version: {{policy: date}}
"""


def vm(name: str, **tags: str) -> ListedVm:
    return ListedVm(f"{GROUP}/providers/Microsoft.Compute/virtualMachines/{name}", tags)


AGENT_VMS: list[VmSummary] = [
    vm("agent-b", **{"image-line": "agents"}),
    vm("agent-a", **{"Image-Line": "agents"}),
    vm("agent-c", **{"image-line": "web"}),
    vm("unrelated"),
]


def listing(group: str) -> list[VmSummary]:
    assert group == GROUP
    return AGENT_VMS


def load_errors(text: str) -> list[FieldError]:
    with pytest.raises(RolloutFileError) as caught:
        load_rollout(text)
    assert caught.value.source == "<text>"
    return caught.value.errors


def test_yaml_text_loads_into_typed_lines() -> None:
    rollout = load_rollout(ROLLOUT_YAML)
    assert [line.name for line in rollout.lines] == ["golden-web", "agents"]
    assert rollout.lines[0].reference_vm == REFERENCE_VM
    assert rollout.lines[1].sweep is not None
    assert rollout.lines[1].sweep.resource_group == GROUP


def test_json_file_loads_and_errors_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "rollout.json"
    good.write_text(json.dumps(load_rollout(ROLLOUT_YAML).model_dump(mode="json")))
    assert load_rollout(good) == load_rollout(ROLLOUT_YAML)
    assert load_rollout(str(good)) == load_rollout(ROLLOUT_YAML)

    bad = tmp_path / "broken.yaml"
    bad.write_text(ROLLOUT_YAML.replace("version: {policy: date}", "version: 2.0.0"))
    with pytest.raises(RolloutFileError) as caught:
        load_rollout(bad)
    assert str(caught.value) == (
        f"{bad}: lines[1].template.target.version: must be a version policy such as "
        '{"policy": "next_patch"} or {"policy": "date"}: a fixed version can only be built once'
    )


def test_unreadable_file_and_bad_syntax() -> None:
    with pytest.raises(RolloutFileError, match="cannot be read"):
        load_rollout(Path("/nonexistent/rollout.yaml"))
    assert load_errors("lines:\n  - name: [a\n") == [
        FieldError(
            "", "yaml", "not valid YAML at line 3 column 1: expected ',' or ']', but got '<stream end>'"
        )
    ]
    assert load_errors('{"lines": [}') == [
        FieldError("", "json", "not valid JSON at line 1 column 12: Expecting value")
    ]
    assert load_errors("- a\n- b\n") == [
        FieldError("", "type", "must be a mapping with a 'lines' list at the top level")
    ]


def test_line_rules() -> None:
    both = ROLLOUT_YAML.replace("    sweep:", f"    reference_vm: {REFERENCE_VM}\n    sweep:")
    assert load_errors(both)[0] == FieldError(
        "lines[1].reference_vm",
        "one_source_finder",
        "exactly one of reference_vm and sweep must be given",
    )
    duplicate = ROLLOUT_YAML.replace("name: agents", "name: Golden-Web")
    assert load_errors(duplicate) == [
        FieldError("lines[1].name", "duplicate_line", "line 'Golden-Web' is already defined at lines[0]")
    ]
    assert load_errors(ROLLOUT_YAML.replace("name: agents", "name: nightly agents"))[0] == FieldError(
        "lines[1].name",
        "line_name",
        "must be 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit, "
        "got 'nightly agents'",
    )
    assert load_errors("lines: []") == [FieldError("lines", "length", "must have at least 1 item, got 0")]


def test_template_rules() -> None:
    with_source = ROLLOUT_YAML.replace("      delete_source_vm: true", f"      source: {REFERENCE_VM}")
    assert load_errors(with_source) == [
        FieldError(
            "lines[1].template.source",
            "template_supplied",
            "must not be set: the line's reference_vm or sweep supplies the source",
        )
    ]
    deprovision = ROLLOUT_YAML.replace("generalize: none", "generalize: deprovision").replace(
        ", os_state: Specialized", ""
    )
    assert load_errors(deprovision) == [
        FieldError(
            "lines[0].template.generalize",
            "reference_vm_generalize",
            "'deprovision' would leave the reference VM generalized, and a generalized VM never starts again "
            "for the next occurrence; use 'none' (specialized, restarted after capture) or "
            "'already_deprovisioned'",
        )
    ]
    broken_template = ROLLOUT_YAML.replace("{policy: date}", "{policy: hourly}")
    assert load_errors(broken_template) == [
        FieldError(
            "lines[1].template.target.version.policy",
            "allowed_values",
            "must be one of 'next_patch', 'next_minor' or 'date', got 'hourly'",
        )
    ]
    managed = ROLLOUT_YAML.replace(
        "        kind: gallery\n        gallery: {resource_group: rg-images, name: corp_gallery}\n"
        "        definition: {name: agent}\n        version: {policy: date}",
        "        kind: managed_image\n        resource_group: rg-images\n        name: agent",
    )
    assert load_errors(managed)[0].rule == "template_target"


def test_expand_names_builds_by_line_and_occurrence() -> None:
    builds = expand(load_rollout(ROLLOUT_YAML), occurrence=OCCURRENCE, vms_by_group=listing)

    assert [(b.line, b.request.correlation_id) for b in builds] == [
        ("golden-web", "golden-web@20260301T020000Z"),
        ("agents", "agents@20260301T020000Z:agent-a"),
        ("agents", "agents@20260301T020000Z:agent-b"),
    ]
    golden = builds[0].request
    assert golden.source == REFERENCE_VM
    assert golden.generalize == "none"
    assert golden.restart_source_after_capture is True  # a specialized reference VM keeps running
    agent = builds[1].request
    assert agent.source.endswith("/virtualMachines/agent-a")
    assert agent.delete_source_vm is True
    assert isinstance(agent.target, GalleryTarget)
    assert agent.target.definition.name == "agent"
    assert len({b.instance_id for b in builds}) == 3


def test_a_second_fire_for_the_same_occurrence_yields_the_same_instance_ids() -> None:
    rollout = load_rollout(ROLLOUT_YAML)
    first = expand(rollout, occurrence=OCCURRENCE, vms_by_group=listing)
    same_instant_elsewhere = OCCURRENCE.astimezone(timezone(timedelta(hours=1)))
    again = expand(rollout, occurrence=same_instant_elsewhere, vms_by_group=listing)
    next_night = expand(rollout, occurrence=OCCURRENCE + timedelta(days=1), vms_by_group=listing)

    assert [b.instance_id for b in again] == [b.instance_id for b in first]
    assert not {b.instance_id for b in next_night} & {b.instance_id for b in first}


def test_a_broken_line_does_not_hold_back_the_others() -> None:
    expiring = ROLLOUT_YAML.replace(
        "        version: {policy: date}",
        "        version: {policy: date}\n        end_of_life: 2026-03-01T01:00:00Z",
    )
    rollout = load_rollout(expiring)
    result = plan(rollout, occurrence=OCCURRENCE, vms_by_group=listing)
    assert [b.line for b in result.builds] == ["golden-web"]
    assert [
        (p.line, p.vm.rsplit("/", 1)[1], p.errors[0].field, p.errors[0].rule) for p in result.problems
    ] == [
        ("agents", "agent-a", "target.end_of_life", "future"),
        ("agents", "agent-b", "target.end_of_life", "future"),
    ]
    with pytest.raises(RolloutFileError) as caught:
        expand(rollout, occurrence=OCCURRENCE, vms_by_group=listing)
    assert caught.value.errors[0].field == "lines[1].template.target.end_of_life"


def test_sweep_with_no_tagged_vm_plans_nothing_and_naive_occurrence_is_refused() -> None:
    rollout = RolloutFile.model_validate(load_rollout(ROLLOUT_YAML).model_dump(mode="json"))
    assert [b.line for b in expand(rollout, occurrence=OCCURRENCE, vms_by_group=lambda _: [])] == [
        "golden-web"
    ]
    with pytest.raises(ValueError, match="occurrence must be time-zone aware"):
        expand(rollout, occurrence=OCCURRENCE.replace(tzinfo=None), vms_by_group=listing)
