"""Result and region-ready messages on a real queue service (Azurite), and a result that survives
the queue service being down."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from imagefactory.messages import RegionReadyMessage
from imagefactory.result import BuildResult
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request, run_build

pytestmark = pytest.mark.timeout(90)


def _messages(connection: str, queue: str) -> list[dict[str, Any]]:
    """Every message on `queue`, oldest first, decoded the way a consumer decodes them (base64 JSON)."""
    with QueueClient.from_connection_string(connection, queue) as client:
        raw = [message.content for message in client.peek_messages(max_messages=32)]
    return [json.loads(base64.b64decode(text)) for text in raw]


def test_result_message_lands_on_the_results_queue(monkeypatch: pytest.MonkeyPatch, azurite: str) -> None:
    with armsim_for_pipeline(monkeypatch, AzureWebJobsStorage=azurite) as sim:
        vm_id = sim.seed_vm("pub-01", location="westeurope", os_type="Linux")
        request = gallery_request(
            vm_id, correlation_id="ci-run-4711", report={"results_queue": "results-pub-01"}
        )
        result = run_build(sim, request).output

        assert result["status"] == "Succeeded", result
        messages = _messages(azurite, "results-pub-01")
        assert len(messages) == 1
        message = messages[0]
        assert message["kind"] == "image-build-result"
        assert message["correlation_id"] == "ci-run-4711"
        assert message["build_id"] == result["build_id"]
        # the body is the orchestration's result document, minus the delivery report itself (the
        # "published" field and the "report" phase, which ends only after the message is sent)
        expected = {k: v for k, v in result.items() if k not in {"published", "phases"}}
        body = {k: v for k, v in message.items() if k != "phases"}
        assert body == {"kind": "image-build-result", **expected}
        assert message["phases"] == [p for p in result["phases"] if p["name"] != "report"]
        # the published contract (schemas/build-result-message.schema.json) reads it back whole
        assert BuildResult.model_validate({k: v for k, v in message.items() if k != "kind"}).build_id
        assert result["published"]["published"] is True
        assert result["published"]["queue"] == "results-pub-01"
        assert result["published"]["message_id"]


def test_region_ready_messages_arrive_one_per_region_in_completion_order(
    monkeypatch: pytest.MonkeyPatch, azurite: str
) -> None:
    with armsim_for_pipeline(
        monkeypatch, AzureWebJobsStorage=azurite, IMAGEFACTORY_REPLICATION_POLL_MAX_SECONDS="300"
    ) as sim:
        # 512 GB at 10 s/GB: the regions finish tens of minutes apart (SKU and replica count differ)
        sim.set_timings(replication_seconds_per_gb=10.0)
        vm_id = sim.seed_vm("pub-02", location="westeurope", os_type="Linux", os_disk_size_gb=512)
        regions = [
            {"name": "eastus", "replica_count": 3, "storage_account_type": "Premium_LRS"},
            {"name": "northeurope", "replica_count": 1, "storage_account_type": "Standard_LRS"},
            {"name": "japaneast", "replica_count": 2, "storage_account_type": "Standard_ZRS"},
        ]
        request = gallery_request(
            vm_id,
            correlation_id="ci-run-4712",
            report={"results_queue": "results-pub-02", "region_ready_messages": True},
            target={"replication": {"target_regions": regions}},
        )
        result = run_build(sim, request).output

        assert result["status"] == "Succeeded", result
        messages = _messages(azurite, "results-pub-02")
        ready = [m for m in messages if m["kind"] == "image-region-ready"]
        assert [m["kind"] for m in messages] == ["image-region-ready"] * 4 + ["image-build-result"]
        by_region = {r["name"]: r for r in result["regions"]}
        assert sorted(m["region"] for m in ready) == sorted(by_region)  # one per region, none twice
        times = [datetime.fromisoformat(m["ready_at"]) for m in ready]
        assert times == sorted(times) and len(set(times)) == len(times), times  # completion order
        for message in ready:
            RegionReadyMessage.model_validate(message)  # the published contract reads it back
            ready_at = datetime.fromisoformat(message["ready_at"])
            assert ready_at == datetime.fromisoformat(by_region[message["region"]]["ready_at"])
            assert message["correlation_id"] == "ci-run-4712"
            assert message["build_id"] == result["build_id"]
            assert message["version"] == "1.0.0"
            assert message["image_id"] == result["image_id"]
        # the gallery's own region is usable first; the premium three-replica region last
        assert ready[0]["region"] == "westeurope"
        assert ready[-1]["region"] == "eastus"


def test_queue_service_down_keeps_the_result_in_the_output(
    monkeypatch: pytest.MonkeyPatch, storage_down: str
) -> None:
    with armsim_for_pipeline(
        monkeypatch, AzureWebJobsStorage=storage_down, IMAGEFACTORY_TRANSIENT_RETRY_MAX_ATTEMPTS="2"
    ) as sim:
        vm_id = sim.seed_vm("pub-03", location="westeurope", os_type="Linux")
        request = gallery_request(
            vm_id,
            correlation_id="ci-run-4713",
            report={"results_queue": "results-pub-03", "region_ready_messages": True},
        )
        run = run_build(sim, request)
        result = run.output

        assert run.runtime_status == "Completed"
        assert result["status"] == "Succeeded", result
        assert result["version"] == "1.0.0" and result["regions"][0]["state"] == "Completed"
        assert result["correlation_id"] == "ci-run-4713"
        publication = result["published"]
        assert publication["published"] is False
        assert publication["queue"] == "results-pub-03"
        assert publication["reason"].startswith("not published: queue 'results-pub-03': ServiceRequestError")
        assert "still failing after 3 attempts" in publication["reason"]
        assert any(
            note.startswith("region-ready message for westeurope not published") for note in result["notes"]
        )
        attempts = [i for i in run.engine.stats.activity_invocations if i.name == "publish_queue_message"]
        assert len(attempts) == 6  # 3 for the region-ready message, 3 for the result
