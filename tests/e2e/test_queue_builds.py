"""A build system's view: a message on the build queue becomes a replicated version and a result."""

from __future__ import annotations

import hashlib
import json

from imagefactory.gateway import gateway_for
from imagefactory.identity import instance_id_for
from imagefactory.ids import VmId
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings, get_settings
from imagefactory.submit import message_body, submit
from tests.e2e.stack import BUILD_QUEUE, RESULTS_QUEUE, SUBSCRIPTION, Stack, gallery_request


def test_queue_message_becomes_replicated_version_and_result_message(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-queue-01", tags={"imagefactory-allow-delete": "true"})
    document = gallery_request(
        vm_id,
        "1.0.0",
        correlation_id="ci-run-4711",
        delete_source_vm=True,
        report={"region_ready_messages": True},
    )
    settings = Settings.from_env(
        {
            "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
            "IMAGEFACTORY_ARM_ENDPOINT": stack.sim.endpoint,
            "IMAGEFACTORY_RESULTS_QUEUE": RESULTS_QUEUE,
        }
    )
    submit(document, connection_string=stack.connection, queue_name=BUILD_QUEUE, settings=settings)
    instance_id = instance_id_for(BuildRequest.parse_obj_strict(document))

    final = stack.wait_for_build(instance_id)

    assert final.runtime_status == "Completed"
    assert final.output["status"] == "Succeeded", final.output["summary"]
    ready = stack.wait_for_messages(
        RESULTS_QUEUE,
        lambda m: m.get("kind") == "image-region-ready" and m.get("correlation_id") == "ci-run-4711",
        count=3,
    )
    assert sorted(m["region"] for m in ready) == ["eastus", "northeurope", "westeurope"]
    (result,) = stack.wait_for_messages(
        RESULTS_QUEUE,
        lambda m: m.get("kind") == "image-build-result" and m.get("correlation_id") == "ci-run-4711",
    )
    assert result["kind"] == "image-build-result"
    assert result["status"] == "Succeeded"
    assert result["build_id"] == instance_id
    assert result["image_id"].endswith("/images/ubuntu-web/versions/1.0.0")
    assert {r["name"]: (r["state"], r["replica_count"]) for r in result["regions"]} == {
        "westeurope": ("Completed", 2),
        "northeurope": ("Completed", 1),
        "eastus": ("Completed", 1),
    }
    assert all(r["ready_at"] for r in result["regions"])
    assert result["vm"]["fate"] == "deleted"
    assert gateway_for(get_settings(), SUBSCRIPTION).get_vm(VmId.parse(vm_id)) is None


def test_same_message_delivered_three_times_builds_one_version(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-dup-01")
    request = BuildRequest.parse_obj_strict(gallery_request(vm_id, "2.0.0"))
    body = message_body(request)
    instance_id = instance_id_for(request)

    stack.send(body)
    stack.send(body)
    first = stack.wait_for_build(instance_id)
    created = first.created_time
    stack.send(body)  # a late redelivery after the build completed
    stack.wait_until(
        lambda: stack.queue(BUILD_QUEUE).get_queue_properties().approximate_message_count == 0,
        "the build queue to drain",
    )
    stack.host.call(stack.host.engine.run_until_idle())

    final = stack.status(instance_id)
    assert final.runtime_status == "Completed"
    assert final.output["status"] == "Succeeded"
    assert final.created_time == created, "the completed build was started a second time"
    assert len(stack.version_puts("2.0.0")) == 1
    results = stack.wait_for_messages(RESULTS_QUEUE, lambda m: m.get("build_id") == instance_id)
    assert len(results) == 1
    assert stack.drain(f"{BUILD_QUEUE}-poison") == []


def test_invalid_messages_go_to_rejects_with_their_errors_and_start_nothing(stack: Stack) -> None:
    inside = stack.seed_vm("vm-reject-01")
    outside = inside.replace(SUBSCRIPTION, "00000000-0000-0000-0000-0000000bad00")
    untagged = stack.seed_vm("vm-reject-02")
    wrong_types = gallery_request(inside, "3.0.0", delete_source_vm="yes")
    wrong_types["target"]["replication"]["target_regions"][0]["replica_count"] = "two"
    bodies = {
        "malformed": '{"source": "/subscriptions/',
        "wrong_types": json.dumps(wrong_types),
        "out_of_scope": json.dumps(gallery_request(outside, "3.0.1")),
        "not_opted_in": json.dumps(gallery_request(untagged, "3.0.2", delete_source_vm=True)),
    }
    writes_before = [e for e in stack.sim.requests() if e.kind in ("write", "action", "delete")]
    for body in bodies.values():
        stack.send(body)

    rejects = stack.wait_for_messages(
        f"{BUILD_QUEUE}-rejects", lambda m: m["original"].get("text") in bodies.values(), count=4
    )
    by_body = {document["original"]["text"]: document for document in rejects}
    rules = {
        name: {(e["field"], e["rule"]) for e in by_body[body]["errors"]} for name, body in bodies.items()
    }
    assert rules["malformed"] == {("body", "json")}
    assert rules["wrong_types"] == {
        ("delete_source_vm", "type"),
        ("target.replication.target_regions[0].replica_count", "type"),
    }
    assert rules["out_of_scope"] == {("source", "scope_not_allowed"), ("target.gallery", "scope_not_allowed")}
    assert rules["not_opted_in"] == {("delete_source_vm", "delete_not_opted_in")}
    for document in rejects:
        assert document["kind"] == "image-build-rejected"
        assert document["dequeue_count"] == 1, "an invalid message must not be retried"
        assert all(error["message"] for error in document["errors"])
    for name in ("out_of_scope", "not_opted_in"):
        request = BuildRequest.parse_json(bodies[name])
        assert stack.status(instance_id_for(request)) is None
    writes_after = [e for e in stack.sim.requests() if e.kind in ("write", "action", "delete")]
    touched = {e.path.lower() for e in writes_after[len(writes_before) :]}
    assert not any("vm-reject" in path for path in touched)
    assert stack.drain(f"{BUILD_QUEUE}-poison") == []


def test_hostile_messages_go_to_rejects_with_a_reason_never_to_poison(stack: Stack) -> None:
    inside = stack.seed_vm("vm-hostile-01")
    feedback = gallery_request(inside, "3.1.0", report={"results_queue": BUILD_QUEUE})
    bodies: dict[str, bytes] = {
        "deep nesting": b"[" * 1_500 + b"]" * 1_500,
        "huge integer": b'{"source": ' + b"7" * 5_000 + b"}",
        "not UTF-8": b'{"source": "\xff\xfe"}',
        "NaN": b'{"source": NaN}',
        "duplicate key": b'{"source": "a", "source": "b"}',
        "top level array": b"[1, 2]",
        "results fed back into the build queue": json.dumps(feedback).encode(),
        "VM name '..'": json.dumps(gallery_request(inside.rsplit("/", 1)[0] + "/..", "3.1.1")).encode(),
    }
    expected = {
        "deep nesting": ("body", "too_deep"),
        "huge integer": ("body", "number"),
        "not UTF-8": ("body", "encoding"),
        "NaN": ("body", "number"),
        "duplicate key": ("body", "duplicate_key"),
        "top level array": ("body", "type"),
        "results fed back into the build queue": ("report.results_queue", "results_queue_not_allowed"),
        "VM name '..'": ("source", "resource_id"),
    }
    digests = {hashlib.sha256(body).hexdigest(): name for name, body in bodies.items()}
    for body in bodies.values():
        stack.send(body)

    rejects = stack.wait_for_messages(
        f"{BUILD_QUEUE}-rejects", lambda m: m["original"]["sha256"] in digests, count=len(bodies)
    )
    found = {digests[m["original"]["sha256"]]: m for m in rejects}
    for name, (field, rule) in expected.items():
        document = found[name]
        assert [(e["field"], e["rule"]) for e in document["errors"]] == [(field, rule)], name
        assert document["dequeue_count"] == 1, "an invalid message must not be retried"
        assert all(e["message"] for e in document["errors"])
    assert stack.drain(f"{BUILD_QUEUE}-poison") == []
    assert (
        stack.status(instance_id_for(BuildRequest.parse_obj_strict(gallery_request(inside, "3.1.0")))) is None
    )
