"""The producer helper and CLI against a real Azure Storage queue service (Azurite)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.queue import LinearRetry, QueueClient

from imagefactory.__main__ import main
from imagefactory.exceptions import RequestValidationError, SubmitError
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from imagefactory.submit import submit
from tests.unit.request.samples import gallery_request

REPO = Path(__file__).resolve().parents[3]
AZURITE = REPO / "node_modules" / ".bin" / "azurite-queue"
# Azurite's published development account (the same for every installation).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


NO_RETRY = LinearRetry(retry_total=0, backoff=0, random_jitter_range=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azurite-queue exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("azurite-queue did not start listening")


@pytest.fixture(scope="module")
def connection_string(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not AZURITE.exists() or shutil.which("node") is None:
        pytest.skip(f"Azurite is not installed at {AZURITE} (run `make deps`)")
    port = _free_port()
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--queuePort",
            str(port),
            "--queueHost",
            "127.0.0.1",
            "--silent",
            "--skipApiVersionCheck",
            "--location",
            str(tmp_path_factory.mktemp("azurite")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, deadline_seconds=30)
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"QueueEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _received(connection_string: str, queue: str) -> list[str]:
    with QueueClient.from_connection_string(connection_string, queue) as client:
        return [str(message.content) for message in client.receive_messages(max_messages=32)]


@pytest.mark.timeout(60)
def test_submit_sends_base64_json_of_the_validated_request(connection_string: str) -> None:
    message_id = submit(gallery_request(), connection_string=connection_string, queue_name="builds-b64")

    [raw] = _received(connection_string, "builds-b64")
    body = json.loads(base64.b64decode(raw))
    assert message_id
    assert body["source"] == gallery_request()["source"]
    assert BuildRequest.model_validate(body) == BuildRequest.parse_obj_strict(gallery_request())


@pytest.mark.timeout(60)
def test_submit_with_no_encoding_sends_plain_json(connection_string: str) -> None:
    request = BuildRequest.parse_obj_strict(gallery_request(correlation_id="ci:1"))
    submit(request, connection_string=connection_string, queue_name="builds-plain", encoding="none")
    [raw] = _received(connection_string, "builds-plain")
    assert json.loads(raw)["correlation_id"] == "ci:1"


@pytest.mark.timeout(60)
def test_invalid_request_never_reaches_the_queue(connection_string: str) -> None:
    with QueueClient.from_connection_string(connection_string, "builds-invalid") as client:
        client.create_queue()
    with pytest.raises(RequestValidationError) as caught:
        submit(
            json.dumps(gallery_request(generalize="sometimes")),
            connection_string=connection_string,
            queue_name="builds-invalid",
        )
    assert caught.value.errors[0].field == "generalize"
    assert _received(connection_string, "builds-invalid") == []


@pytest.mark.timeout(60)
def test_unreachable_storage_and_bad_queue_names_are_submit_errors() -> None:
    closed = (
        f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
        f"QueueEndpoint=http://127.0.0.1:{_free_port()}/{DEV_ACCOUNT};"
    )
    with pytest.raises(SubmitError, match="queue name 'Builds' is not a valid storage queue name"):
        submit(gallery_request(), connection_string=closed, queue_name="Builds")
    with pytest.raises(SubmitError, match="could not enqueue on 'builds'"):
        submit(
            gallery_request(),
            connection_string=closed,
            queue_name="builds",
            client_options={"retry_policy": NO_RETRY},
        )
    with pytest.raises(SubmitError, match="the storage connection string is not usable"):
        submit(gallery_request(), connection_string="not a connection string", queue_name="builds")


@pytest.mark.timeout(60)
def test_cli_submit_prints_the_message_id_or_the_errors(
    connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = tmp_path / "request.json"
    good.write_text(json.dumps(gallery_request()))
    monkeypatch.setenv("AzureWebJobsStorage", connection_string)
    monkeypatch.setenv("IMAGEFACTORY_BUILD_QUEUE", "builds-cli")

    assert main(["submit", str(good)]) == 0
    printed = capsys.readouterr()
    message_id = printed.out.strip()
    assert message_id and "\n" not in message_id
    build_id = instance_id_for(BuildRequest.parse_obj_strict(gallery_request()))
    assert printed.err == f"build id: {build_id} (GET /api/builds/{build_id})\n"
    assert len(_received(connection_string, "builds-cli")) == 1

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(gallery_request(delete_source_vm="yes", extra=1)))
    assert main(["submit", str(bad)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "delete_source_vm: must be true or false, got a string",
        "extra: unknown field (not part of the schema)",
    ]


def test_cli_without_a_connection_string_names_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    request = tmp_path / "request.json"
    request.write_text(json.dumps(gallery_request()))
    assert main(["submit", str(request)]) == 2
    assert capsys.readouterr().err == (
        "error: the request is valid; to send it, pass --connection-string or set AzureWebJobsStorage\n"
    )


def test_cli_reports_request_errors_before_asking_for_a_connection_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    request = tmp_path / "request.json"
    request.write_text(json.dumps(gallery_request(delete_source_vm="yes")))
    assert main(["submit", str(request)]) == 2
    assert capsys.readouterr().err == "delete_source_vm: must be true or false, got a string\n"


@pytest.mark.timeout(60)
def test_module_entry_point_runs_as_a_process(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text('{"source": ')
    env = {k: v for k, v in os.environ.items() if k != "AzureWebJobsStorage"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imagefactory",
            "submit",
            str(request),
            "--connection-string",
            "UseDevelopmentStorage=true",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "body: not valid JSON at line 1 column 12: Expecting value\n"
