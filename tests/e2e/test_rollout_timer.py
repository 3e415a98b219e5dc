"""The nightly rollout: each line of the rollout file starts once per occurrence, however often it fires."""

from __future__ import annotations

from datetime import UTC, datetime

import azure.durable_functions as df
import yaml

from imagefactory.rollout import ListedVm, load_rollout, plan
from imagefactory.settings import get_settings
from tests.e2e.stack import IMAGES_GROUP, RESOURCE_GROUP, SUBSCRIPTION, Stack
from triggers.rollout_timer import run_rollout

OCCURRENCE = datetime(2030, 1, 1, 2, 0, tzinfo=UTC)  # the conftest schedule "0 0 2 1 1 *"
GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"


def _template(definition: str, generalize: str) -> dict[str, object]:
    return {
        "generalize": generalize,
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": IMAGES_GROUP, "name": "nightly_gallery"},
            "definition": {"name": definition, "publisher": "contoso", "offer": definition, "sku": "nightly"},
            "version": {"policy": "next_patch", "major": 1},
            "replication": {"target_regions": [{"name": "westeurope"}, {"name": "eastus"}]},
        },
    }


def test_timer_fired_twice_starts_each_line_once(stack: Stack) -> None:
    reference = stack.seed_vm("vm-nightly-ref", power_state="running")
    swept = stack.seed_vm("vm-nightly-sweep", tags={"nightly": "yes"})
    stack.seed_vm("vm-nightly-skipped", tags={"nightly": "no"})
    rollout = {
        "lines": [
            {"name": "web-ref", "reference_vm": reference, "template": _template("nightly-ref", "none")},
            {
                "name": "web-sweep",
                "sweep": {"resource_group": GROUP_ID, "tag": "nightly", "value": "yes"},
                "template": _template("nightly-sweep", "deprovision"),
            },
        ]
    }
    stack.rollout_path.write_text(yaml.safe_dump(rollout), encoding="utf-8")
    expected = plan(
        load_rollout(stack.rollout_path),
        occurrence=OCCURRENCE,
        vms_by_group=lambda group: [ListedVm(swept, {"nightly": "yes"})],
    )
    assert expected.problems == []
    ids = sorted(build.instance_id for build in expected.builds)

    stack.host.fire_timer("nightly_rollout")
    created = {instance_id: stack.status(instance_id).created_time for instance_id in ids}
    stack.host.fire_timer("nightly_rollout")
    finals = {instance_id: stack.wait_for_build(instance_id) for instance_id in ids}

    for instance_id, final in finals.items():
        assert final.output["status"] == "Succeeded", final.output["summary"]
        assert final.created_time == created[instance_id], f"{instance_id} was started twice"
    rows = stack.host.engine.store.query()
    nightly = [r for r in rows if r.name == "build_image" and "@20300101T020000Z" in (r.input or "")]
    assert sorted(r.instance_id for r in nightly) == ids
    puts = [e.path for e in stack.sim.requests() if e.method == "PUT" and "/versions/" in e.path]
    assert sum("nightly-ref" in p for p in puts) == 1
    assert sum("nightly-sweep" in p for p in puts) == 1
    ref_result = finals[next(b.instance_id for b in expected.builds if b.line == "web-ref")].output
    assert ref_result["vm"]["fate"] == "restarted"


def test_dry_run_logs_what_it_would_start_and_starts_nothing(stack: Stack) -> None:
    swept = stack.seed_vm("vm-dry-run-01", tags={"dry": "run"})
    rollout = {
        "lines": [
            {
                "name": "dry",
                "sweep": {"resource_group": GROUP_ID, "tag": "dry", "value": "run"},
                "template": _template("dry-run", "deprovision"),
            }
        ]
    }
    settings = get_settings().model_copy(
        update={"rollout_file": yaml.safe_dump(rollout), "rollout_dry_run": True}
    )
    client = df.DurableOrchestrationClient(stack.host.engine.client_binding(stack.host.base_url))
    status = {"Next": "2031-01-01T02:00:00+00:00"}
    writes_before = len([e for e in stack.sim.requests() if e.kind != "read"])

    report = stack.host.call(run_rollout(client, settings, schedule_status=status, now=OCCURRENCE))

    assert report.dry_run is True
    assert report.problems == []
    assert report.started == []
    (would,) = report.would_start
    assert swept in would
    instance_id = would.split(" ", 1)[0]
    assert stack.status(instance_id) is None
    assert len([e for e in stack.sim.requests() if e.kind != "read"]) == writes_before
