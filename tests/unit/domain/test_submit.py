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
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import LinearRetry, QueueClient

from imagefactory.__main__ import main
from imagefactory.admission import TagReader
from imagefactory.exceptions import AzureCallError, RequestValidationError, SubmitError
from imagefactory.identity import instance_id_for
from imagefactory.ids import VmId
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings
from imagefactory.submit import submit
from tests.unit.request.samples import OTHER_SUBSCRIPTION, SUBSCRIPTION, gallery_request

SCOPE = f"/subscriptions/{SUBSCRIPTION}"
SETTINGS = Settings.from_env({"IMAGEFACTORY_ALLOWED_SCOPES": SCOPE})

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
    message_id = submit(
        gallery_request(), connection_string=connection_string, queue_name="builds-b64", settings=SETTINGS
    )

    [raw] = _received(connection_string, "builds-b64")
    body = json.loads(base64.b64decode(raw))
    assert message_id
    assert body["source"] == gallery_request()["source"]
    assert BuildRequest.model_validate(body) == BuildRequest.parse_obj_strict(gallery_request())


@pytest.mark.timeout(60)
def test_submit_with_no_encoding_sends_plain_json(connection_string: str) -> None:
    request = BuildRequest.parse_obj_strict(gallery_request(correlation_id="ci:1"))
    submit(
        request,
        connection_string=connection_string,
        queue_name="builds-plain",
        encoding="none",
        settings=SETTINGS,
    )
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
            settings=SETTINGS,
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
        submit(gallery_request(), connection_string=closed, queue_name="Builds", settings=SETTINGS)
    with pytest.raises(SubmitError, match="could not enqueue on 'builds'"):
        submit(
            gallery_request(),
            connection_string=closed,
            queue_name="builds",
            client_options={"retry_policy": NO_RETRY},
            settings=SETTINGS,
        )
    with pytest.raises(SubmitError, match="the storage connection string is not usable"):
        submit(
            gallery_request(),
            connection_string="not a connection string",
            queue_name="builds",
            settings=SETTINGS,
        )


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
    monkeypatch.setenv("IMAGEFACTORY_ALLOWED_SCOPES", SCOPE)

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
    monkeypatch.setenv("IMAGEFACTORY_ALLOWED_SCOPES", SCOPE)
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


# --- the CLI applies the queue trigger's door: refused requests exit 2 and are never sent ---------


def _empty_queue(connection_string: str, name: str) -> None:
    with QueueClient.from_connection_string(connection_string, name) as client:
        try:
            client.create_queue()
        except ResourceExistsError:
            client.clear_messages()


def _tags(found: dict[str, str] | None) -> TagReader:
    def read(vm: VmId) -> dict[str, str] | None:
        return found

    return read


def _unreachable(vm: VmId) -> dict[str, str] | None:
    raise AzureCallError("ConnectionError", f"ARM could not be reached for {vm.name}")


REFUSED_BODIES: dict[str, tuple[bytes, str]] = {
    "out of scope": (
        json.dumps(
            gallery_request(
                target={
                    "kind": "gallery",
                    "gallery": {"subscription_id": OTHER_SUBSCRIPTION, "resource_group": "rg-x", "name": "g"},
                    "definition": {"name": "d"},
                    "version": "1.0.0",
                }
            )
        ).encode(),
        "target.gallery: the gallery's resource group "
        f"/subscriptions/{OTHER_SUBSCRIPTION}/resourceGroups/rg-x is outside the scopes allowed by "
        "IMAGEFACTORY_ALLOWED_SCOPES",
    ),
    "results queue is the build queue": (
        json.dumps(gallery_request(report={"results_queue": "image-builds"})).encode(),
        "report.results_queue: must be a configured result queue: one of 'image-build-results' "
        "(IMAGEFACTORY_RESULTS_QUEUE, IMAGEFACTORY_RESULT_QUEUES), got 'image-builds' ('image-builds' is the "
        "build queue 'image-builds' or one of its -rejects/-poison queues: a result there would be read as a "
        "request)",
    ),
    "too deep": (b"[" * 5000 + b"]" * 5000, "body: nests arrays or objects more than 32 levels deep"),
    "huge integer": (
        b'{"source": ' + b"9" * 5000 + b"}",
        "body: holds an integer of 5000 digits; numbers in a request have at most 20",
    ),
    "not UTF-8": (b'{"source": "\xff"}', "body: not valid UTF-8 at byte 12"),
    "too large": (b" " * (64 * 1024 + 10) + b"{}", "body: is 65548 bytes; a request is at most 65536 bytes"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(REFUSED_BODIES))
def test_cli_refuses_what_the_queue_trigger_refuses_and_sends_nothing(
    case: str,
    connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body, first_line = REFUSED_BODIES[case]
    queue = "builds-refused"
    _empty_queue(connection_string, queue)
    monkeypatch.setenv("IMAGEFACTORY_ALLOWED_SCOPES", SCOPE)
    path = tmp_path / "request.json"
    path.write_bytes(body)
    code = main(
        ["submit", str(path), "--connection-string", connection_string, "--queue", queue],
        read_tags=_tags(None),
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.splitlines()[0] == first_line
    assert all(": " in line for line in err.splitlines())
    assert _received(connection_string, queue) == []


@pytest.mark.timeout(60)
def test_cli_checks_the_delete_opt_in_tag_with_the_one_rule(
    connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = "builds-opt-in"
    _empty_queue(connection_string, queue)
    monkeypatch.setenv("IMAGEFACTORY_ALLOWED_SCOPES", SCOPE)
    path = tmp_path / "request.json"
    path.write_text(json.dumps(gallery_request(delete_source_vm=True)))
    argv = ["submit", str(path), "--connection-string", connection_string, "--queue", queue]

    assert main(argv, read_tags=_tags({"imagefactory-allow-delete": "yes"})) == 2
    assert capsys.readouterr().err == (
        "delete_source_vm: the source VM must carry the tag imagefactory-allow-delete=true before Image "
        "Factory may delete it\n"
    )
    assert _received(connection_string, queue) == []

    assert main(argv, read_tags=_unreachable) == 1
    assert "nothing was sent" in capsys.readouterr().err
    assert _received(connection_string, queue) == []

    # name in any casing, value trimmed and in any casing: what the plan and the delete step accept too
    assert main(argv, read_tags=_tags({"ImageFactory-Allow-Delete": " TRUE "})) == 0
    capsys.readouterr()
    assert len(_received(connection_string, queue)) == 1


@pytest.mark.timeout(60)
def test_cli_reads_the_rules_from_a_local_settings_file(
    connection_string: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("IMAGEFACTORY_ALLOWED_SCOPES", raising=False)
    monkeypatch.delenv("IMAGEFACTORY_RESULT_QUEUES", raising=False)
    queue = "builds-settings-file"
    _empty_queue(connection_string, queue)
    settings = tmp_path / "local.settings.json"
    settings.write_text(
        json.dumps(
            {"Values": {"IMAGEFACTORY_ALLOWED_SCOPES": SCOPE, "IMAGEFACTORY_RESULT_QUEUES": "ci-results"}}
        )
    )
    path = tmp_path / "request.json"
    path.write_text(json.dumps(gallery_request(report={"results_queue": "ci-results"})))
    argv = ["submit", str(path), "--connection-string", connection_string, "--queue", queue]

    assert main(argv) == 2  # the environment allows no scope
    assert capsys.readouterr().err.startswith("source: no subscription or resource group is allowed yet")
    assert main([*argv, "--settings", str(settings)]) == 0
    capsys.readouterr()
    assert len(_received(connection_string, queue)) == 1
