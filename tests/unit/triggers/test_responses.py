"""Shapes of the HTTP answers: status codes of a start, build views, cancel reports, list filters."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from imagefactory.exceptions import FieldError
from triggers.decisions import Action, ExistingBuild
from triggers.errors import QueryValidationError
from triggers.listing import parse_list_query
from triggers.rejects import MAX_ENCODED_MESSAGE_BYTES, encoded_size, reject_document, reject_text
from triggers.responses import (
    BuildSnapshot,
    build_view,
    cancel_report,
    error_response,
    method_not_allowed,
    overall_status,
    start_answer,
)
from triggers.starting import StartOutcome

BASE = "https://factory.example.net"
VM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"


def _snapshot(runtime: str, custom: Any = None, output: Any = None) -> BuildSnapshot:
    return BuildSnapshot("b-1", "build_image", runtime, custom, output, {"source": VM}, None, None)


@pytest.mark.parametrize(
    ("action", "existing", "code"),
    [
        (Action.START, None, 202),
        (Action.START_AGAIN, ExistingBuild("Failed"), 202),
        (Action.REPORT_RUNNING, ExistingBuild("Running"), 409),
        (Action.REPORT_FAILED, ExistingBuild("Terminated"), 409),
        (Action.REPORT_SUCCEEDED, ExistingBuild("Completed", {"status": "Succeeded"}), 200),
    ],
)
def test_start_answer_codes(action: Action, existing: ExistingBuild | None, code: int) -> None:
    status, body = start_answer(StartOutcome("b-1", action, existing, "m"), BASE)
    assert status == code
    assert body["urls"] == {"status": f"{BASE}/api/builds/b-1", "cancel": f"{BASE}/api/builds/b-1/cancel"}
    assert ("existing" in body) is (existing is not None and not action.starts)


def test_errors_have_one_shape() -> None:
    response = error_response(400, [FieldError("target.version", "version_format", "bad")])
    assert response.status_code == 400
    assert json.loads(response.get_body()) == {
        "errors": [{"field": "target.version", "rule": "version_format", "message": "bad"}]
    }
    refused = method_not_allowed("PUT", ["GET", "POST"])
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, POST"
    assert json.loads(refused.get_body())["errors"][0]["rule"] == "method_not_allowed"


def test_view_prefers_fresher_monitor_progress() -> None:
    custom = {
        "phase": "replication",
        "target": "v-id",
        "regions": [{"name": "westeurope", "state": "Queued", "progress": 0}],
    }
    monitor = {"regions": [{"name": "westeurope", "state": "Replicating", "progress": 40}]}
    view = build_view(_snapshot("Running", custom), monitor_status=monitor)
    assert view["status"] == "Running"
    assert view["regions"] == [{"name": "westeurope", "state": "Replicating", "progress": 40}]
    assert build_view(_snapshot("Running", {"phase": "replication"}), monitor_status=monitor)["regions"] == [
        {"name": "westeurope", "state": "Replicating", "progress": 40}
    ]


def test_overall_status_reads_the_result_document() -> None:
    assert overall_status(_snapshot("Completed", output={"status": "Failed"})) == "Failed"
    assert overall_status(_snapshot("Completed", output={"status": "Succeeded"})) == "Succeeded"
    assert overall_status(_snapshot("Terminated")) == "Terminated"
    assert overall_status(_snapshot("Pending")) == "Running"


def test_cancel_report_names_what_was_left() -> None:
    custom = {
        "phase": "replication",
        "target": "v-id",
        "phases": [
            {"name": "generalize", "finished_at": "t"},
            {"name": "capture", "finished_at": "t"},
            {"name": "replication"},
        ],
        "regions": [{"name": "eastus", "state": "Replicating", "progress": 30}],
    }
    report = cancel_report(_snapshot("Running", custom), terminated=["b-1"])
    assert report["deleted"] == []
    assert report["left"] == [
        f"VM {VM} is deallocated and generalized: it can never start again; it was not deleted",
        "image v-id exists, partially replicated (eastus Replicating 30%); it was kept",
    ]
    early = cancel_report(
        _snapshot("Running", {"phase": "inspect", "phases": [{"name": "inspect"}]}), terminated=[]
    )
    assert early["left"] == [f"VM {VM} was not changed"]


def test_list_query_rules() -> None:
    query = parse_list_query({"status": "failed,Running", "from": "2030-01-01", "to": "2030-02-01T00:00:00Z"})
    assert query.statuses == {"Failed", "Running"}
    assert query.created_from is not None and query.created_from.tzinfo is not None
    with pytest.raises(QueryValidationError) as refused:
        parse_list_query({"status": "Nope", "from": "2030-02-02", "to": "2030-01-01", "sort": "x"})
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("sort", "unknown_parameter"),
        ("status", "allowed_values"),
        ("from", "range"),
    }


def test_reject_document_keeps_the_original_body() -> None:
    from datetime import UTC, datetime

    errors = [FieldError("body", "json", "not valid JSON")]
    text = reject_document(
        b"{oops", errors, queue="q", message_id="m", dequeue_count=1, rejected_at=datetime.now(UTC)
    )
    assert text["original"] == {
        "encoding": "text",
        "text": "{oops",
        "size_bytes": 5,
        "sha256": hashlib.sha256(b"{oops").hexdigest(),
    }
    assert text["errors"] == [{"field": "body", "rule": "json", "message": "not valid JSON"}]
    binary = reject_document(
        b"\xff\x00", errors, queue="q", message_id=None, dequeue_count=None, rejected_at=datetime.now(UTC)
    )
    assert binary["original"] == {
        "encoding": "base64",
        "base64": "/wA=",
        "size_bytes": 2,
        "sha256": hashlib.sha256(b"\xff\x00").hexdigest(),
    }


def _near_limit_body() -> bytes:
    """A JSON body of about 49 000 bytes (64 KiB once base64-encoded) full of characters JSON escapes."""
    filler = '\\"\n' * 16_000
    return json.dumps({"source": "x", "correlation_id": filler}).encode("utf-8")[:49_000]


def test_reject_document_for_a_body_near_the_queue_limit_is_truncated_and_fits() -> None:
    from datetime import UTC, datetime

    body = _near_limit_body()
    errors = [FieldError("body", "json", "not valid JSON")]
    document = reject_document(
        body, errors, queue="q", message_id="m", dequeue_count=1, rejected_at=datetime.now(UTC)
    )
    assert encoded_size(reject_text(document)) <= MAX_ENCODED_MESSAGE_BYTES
    original = document["original"]
    assert original["truncated"] is True
    assert original["size_bytes"] == len(body)
    assert original["sha256"] == hashlib.sha256(body).hexdigest()
    assert body.decode("utf-8").startswith(original["text"])
    assert 0 < len(original["text"]) < len(body)
    kept = len(original["text"].encode())
    assert f"only the first {kept} of {len(body)} bytes are kept" in original["note"]
    assert document["errors"] == [{"field": "body", "rule": "json", "message": "not valid JSON"}]


def test_reject_document_with_thousands_of_errors_keeps_what_fits_and_counts_the_rest() -> None:
    from datetime import UTC, datetime

    errors = [FieldError(f"target.tags.k{i}", "string_type", "must be a string " * 4) for i in range(3000)]
    document = reject_document(
        b"{}", errors, queue="q", message_id="m", dequeue_count=1, rejected_at=datetime.now(UTC)
    )
    assert encoded_size(reject_text(document)) <= MAX_ENCODED_MESSAGE_BYTES
    kept = len(document["errors"])
    assert 0 < kept < 3000
    assert document["errors_omitted"] == 3000 - kept
    assert document["errors"][0]["field"] == "target.tags.k0"
