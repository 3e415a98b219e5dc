"""The operators' HTTP API: start, status, list, plan, cancel, with JSON errors and function keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.e2e.stack import SUBSCRIPTION, Stack, gallery_request


@contextmanager
def held_clock(stack: Stack) -> Iterator[None]:
    """Stop the engine from jumping the virtual clock, so a build stays running until we move time."""
    engine = stack.host.engine
    engine.auto_advance = False
    try:
        yield
    finally:
        engine.auto_advance = True


def test_function_key_is_required(stack: Stack) -> None:
    response = stack.http("GET", "builds", key=None)
    assert response.status_code == 401


def test_invalid_request_answers_400_with_field_errors(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-http-bad")
    document = gallery_request(vm_id, "1.2", delete_source_vm="yes")
    response = stack.http("POST", "builds", json=document)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["field"], e["rule"]) for e in errors} == {
        ("target.version", "version_format"),
        ("delete_source_vm", "type"),
    }
    assert all(set(e) == {"field", "rule", "message"} and e["message"] for e in errors)

    not_json = stack.http("POST", "builds", data=b"{nope")
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["rule"] == "json"

    outside = gallery_request(vm_id.replace(SUBSCRIPTION, "00000000-0000-0000-0000-0000000bad00"), "1.2.0")
    refused = stack.http("POST", "builds", json=outside)
    assert refused.status_code == 400
    assert {e["rule"] for e in refused.json()["errors"]} == {"scope_not_allowed"}


def test_unknown_ids_wrong_methods_and_bad_filters_answer_json(stack: Stack) -> None:
    missing = stack.http("GET", "builds/no-such-build")
    assert missing.status_code == 404
    assert missing.json()["errors"][0] == {
        "field": "id",
        "rule": "not_found",
        "message": "no build with id 'no-such-build'",
    }
    assert stack.http("POST", "builds/no-such-build/cancel").status_code == 404
    wrong = stack.http("DELETE", "builds")
    assert wrong.status_code == 405
    assert wrong.json()["errors"][0]["rule"] == "method_not_allowed"
    assert wrong.headers["Allow"] == "GET, POST"
    assert stack.http("GET", "plan").status_code == 405
    bad_filter = stack.http("GET", "builds", params={"status": "Exploded", "from": "yesterday"})
    assert bad_filter.status_code == 400
    assert {(e["field"], e["rule"]) for e in bad_filter.json()["errors"]} == {
        ("status", "allowed_values"),
        ("from", "datetime"),
    }


def test_plan_shows_steps_and_touches_nothing(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-http-plan")
    before = len(stack.sim.requests())
    response = stack.http("POST", "plan", json=gallery_request(vm_id, "9.0.0"))
    assert response.status_code == 200
    plan = response.json()
    assert plan["ok"] is True
    steps = [step["step"] for step in plan["steps"]]
    assert steps, "a plan lists its steps"
    assert plan["version"] == "9.0.0"
    assert plan["build_id"] == instance_id_for(BuildRequest.parse_obj_strict(gallery_request(vm_id, "9.0.0")))
    assert all(entry.method == "GET" for entry in stack.sim.requests(before))
    assert stack.status(plan["build_id"]) is None


def test_start_status_conflict_list_and_cancel(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-http-run")
    document = gallery_request(vm_id, "5.0.0")
    with held_clock(stack):
        started = stack.http("POST", "builds", json=document)
        assert started.status_code == 202, started.text
        body = started.json()
        build_id = body["build_id"]
        assert started.headers["Location"] == body["urls"]["status"]
        assert body["urls"]["status"].endswith(f"/api/builds/{build_id}")
        assert "code=" not in started.text

        again = stack.http("POST", "builds", json=document)
        assert again.status_code == 409
        assert again.json()["build_id"] == build_id
        assert again.json()["action"] == "report_running"

        def in_replication() -> dict[str, Any] | None:
            stack.sim.advance(30)
            view = stack.http("GET", f"builds/{build_id}").json()
            regions = view["regions"]
            if view["phase"] == "replication" and any(r["progress"] > 0 for r in regions):
                return dict(view)
            return None

        view = stack.wait_until(in_replication, "the build to replicate")
        assert view["status"] == "Running"
        assert {r["name"] for r in view["regions"]} == {"westeurope", "northeurope", "eastus"}

        listed = stack.http("GET", "builds", params={"status": "Running"}).json()
        assert build_id in [b["build_id"] for b in listed["builds"]]

        cancelled = stack.http("POST", f"builds/{build_id}/cancel")
        assert cancelled.status_code == 202
        report = cancelled.json()
        assert report["deleted"] == []
        assert build_id in report["terminated_instances"]
        # read back from Azure (armsim) after the build stopped, not guessed from its status
        assert report["left_source"] == "read from Azure"
        left = report["left"]
        assert left[0].startswith(f"VM {vm_id} is deallocated and generalized"), left
        assert any(line.startswith("gallery ") and line.endswith(" exists") for line in left), left
        version_line = next(line for line in left if line.startswith("image version "))
        assert "exists, provisioningState Creating, replication: westeurope" in version_line, version_line
        assert "it was kept" in version_line

    final = stack.http("GET", f"builds/{build_id}").json()
    assert final["status"] == "Terminated"
    assert stack.http("POST", f"builds/{build_id}/cancel").status_code == 409
    terminated = stack.http("GET", "builds", params={"status": "Terminated"}).json()
    assert build_id in [b["build_id"] for b in terminated["builds"]]
    refused = stack.http("POST", "builds", json=document)
    assert refused.status_code == 409
    assert refused.json()["action"] == "report_failed"


def test_completed_build_reports_result_and_is_not_repeated(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-http-done")
    document = gallery_request(vm_id, "6.0.0")
    started = stack.http("POST", "builds", json=document)
    assert started.status_code == 202
    build_id = started.json()["build_id"]
    stack.wait_for_build(build_id)

    view = stack.http("GET", f"builds/{build_id}").json()
    assert view["status"] == "Succeeded"
    assert view["phase"] == "done"
    assert view["result"]["version"] == "6.0.0"
    assert all(r["state"] == "Completed" for r in view["regions"])
    again = stack.http("POST", "builds", json=document)
    assert again.status_code == 200
    assert again.json()["action"] == "report_succeeded"
    assert len(stack.version_puts("6.0.0")) == 1


def test_hostile_bodies_answer_400_with_the_reason(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-http-hostile")
    bodies = {
        "deep nesting": (b"[" * 5_000 + b"]" * 5_000, ("body", "too_deep")),
        "huge integer": (b'{"source": ' + b"7" * 5_000 + b"}", ("body", "number")),
        "larger than a queue message": (b" " * (70 * 1024) + b"{}", ("body", "too_large")),
        "not UTF-8": (b'{"source": "\xff"}', ("body", "encoding")),
        "results to the task hub": (
            json.dumps(
                gallery_request(vm_id, "7.0.0", report={"results_queue": "imagefactory-control-00"})
            ).encode(),
            ("report.results_queue", "results_queue_not_allowed"),
        ),
        "unknown region": (
            json.dumps(
                gallery_request(vm_id, "7.0.1")
                | {
                    "target": gallery_request(vm_id, "7.0.1")["target"]
                    | {"replication": {"target_regions": [{"name": "narnia"}]}}
                }
            ).encode(),
            ("target.replication.target_regions[0].name", "unknown_region"),
        ),
    }
    for route in ("builds", "plan"):
        for name, (body, field_rule) in bodies.items():
            response = stack.http("POST", route, data=body, headers={"content-type": "application/json"})
            assert response.status_code == 400, (route, name, response.text)
            errors = response.json()["errors"]
            assert [(e["field"], e["rule"]) for e in errors] == [field_rule], (route, name)
            assert all(e["message"] for e in errors)
