"""No credential reaches a log line, the orchestration history or the result document.

The local endpoint's bearer token stands in for a real one here: if it shows up anywhere a
build writes, a real token would too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from imagefactory.azure_client import LOCAL_TOKEN
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request, run_build


def test_a_build_logs_and_stores_no_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, azure.core's HTTP logging included
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("secret-01", location="westeurope", os_type="Linux")
        run = run_build(sim, gallery_request(vm_id), store_path=tmp_path / "taskhub.sqlite3")
        assert run.output["status"] == "Succeeded", run.output
        requests_seen = [e for e in sim.requests() if e.kind != "admin"]
    assert requests_seen  # the token was sent: armsim accepted every one of these requests
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    # the SDK's HTTP logging did log the request headers (redacted), so the check below has teeth
    assert "'authorization': 'redacted'" in logged.lower()
    assert LOCAL_TOKEN not in logged
    assert LOCAL_TOKEN not in json.dumps(run.output)
    # the task hub holds every instance's input, history, custom status and output
    stored = [path.read_bytes() for path in tmp_path.iterdir()]
    assert stored and all(LOCAL_TOKEN.encode() not in data for data in stored)
    assert any(run.instance_id.encode() in data for data in stored)  # it is the hub of this build
