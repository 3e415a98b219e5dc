"""App code that builds its own storage client from a `UseDevelopmentStorage=true` setting reaches
the Azurite the host started, not the emulator's default port (where nothing listens)."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from devhost.azurite import find_azurite
from devhost.errors import AzuriteNotInstalledError
from devhost.testing import running_devhost
from tests.functional.devhost.host.conftest import eventually

pytestmark = pytest.mark.timeout(90)

# A queue-triggered function that forwards each message with azure-storage-queue, using the
# connection string in the setting NAMED by FORWARD_CONNECTION (the pattern of an app whose
# publisher reads its storage setting itself rather than through an output binding). It also
# records what that setting held (in SEEN_FILE: it runs in the worker process), so the test can
# check what app code saw.
FORWARDING_APP = '''
import contextlib
import os

import azure.functions as func
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%INBOX_QUEUE%", connection="AzureWebJobsStorage")
def forward(msg: func.QueueMessage) -> None:
    connection = os.environ[os.environ["FORWARD_CONNECTION"]]
    with open(os.environ["SEEN_FILE"], "a", encoding="utf-8") as seen:
        seen.write(connection + "\\n")
    client = QueueClient.from_connection_string(connection, os.environ["OUTBOX_QUEUE"],
                                                retry_total=0, connection_timeout=2)
    try:
        with contextlib.suppress(ResourceExistsError):
            client.create_queue()
        client.send_message(msg.get_body().decode("utf-8"))
    finally:
        client.close()
'''

REAL_LOOKING = (
    "DefaultEndpointsProtocol=https;AccountName=elsewhere;AccountKey=a2V5;EndpointSuffix=core.windows.net"
)
HOST_STORAGE = "AzureWebJobsStorage"  # the Functions host's own setting name (mixed case by convention)


@pytest.fixture
def forwarding_app(tmp_path: Path) -> Path:
    """The sample app with a local.settings.json as a newcomer copies it: development storage."""
    try:
        find_azurite()
    except AzuriteNotInstalledError as error:
        pytest.skip(str(error))
    folder = tmp_path / "forwarding_app"
    folder.mkdir()
    (folder / "function_app.py").write_text(textwrap.dedent(FORWARDING_APP))
    values = {
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "REPORTS_STORAGE": "UseDevelopmentStorage=true",
        "ELSEWHERE_STORAGE": REAL_LOOKING,
        "FORWARD_CONNECTION": "REPORTS_STORAGE",
        "INBOX_QUEUE": "inbox",
        "OUTBOX_QUEUE": "outbox",
        "SEEN_FILE": str(tmp_path / "seen.txt"),
    }
    (folder / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    return folder


@pytest.fixture
def clean_environment() -> Iterator[None]:
    """The settings the sample app uses must come from its local.settings.json, not the runner."""
    names = ("AzureWebJobsStorage", "REPORTS_STORAGE", "ELSEWHERE_STORAGE", "FORWARD_CONNECTION",
             "INBOX_QUEUE", "OUTBOX_QUEUE", "SEEN_FILE")
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def visible(connection: str, queue: str) -> list[str]:
    client = QueueClient.from_connection_string(connection, queue)
    try:
        return [m.content for m in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []
    finally:
        client.close()


def seen_by_app_code(tmp_path: Path) -> list[str]:
    path = tmp_path / "seen.txt"
    return path.read_text(encoding="utf-8").split() if path.exists() else []


@pytest.mark.usefixtures("clean_environment")
def test_app_code_reaches_the_azurite_the_host_started(forwarding_app: Path, tmp_path: Path) -> None:
    with running_devhost(forwarding_app, store_path=tmp_path / "hub.sqlite") as host:
        azurite = host.azurite_connection
        assert azurite is not None and "127.0.0.1:10001" not in azurite  # its own port, not the default
        # every UseDevelopmentStorage=true setting now holds that Azurite; other settings are untouched
        assert os.environ[HOST_STORAGE] == azurite
        assert os.environ["REPORTS_STORAGE"] == azurite
        assert os.environ["ELSEWHERE_STORAGE"] == REAL_LOOKING

        host.send_queue_message("inbox", "build 42 finished")

        assert eventually(lambda: visible(azurite, "outbox")) == ["build 42 finished"]
        assert seen_by_app_code(tmp_path) == [azurite]

    # the host gives the environment back as it found it
    for name in ("AzureWebJobsStorage", "REPORTS_STORAGE", "ELSEWHERE_STORAGE"):
        assert name not in os.environ


@pytest.mark.usefixtures("clean_environment")
def test_a_given_azurite_is_exported_too(forwarding_app: Path, azurite: str, tmp_path: Path) -> None:
    """With `--azurite <connection string>` the app code sees that Azurite, as the bindings do."""
    with running_devhost(forwarding_app, azurite_connection=azurite, settings={
        "INBOX_QUEUE": "inbox-given", "OUTBOX_QUEUE": "outbox-given",
    }, store_path=tmp_path / "hub.sqlite") as host:
        assert os.environ["REPORTS_STORAGE"] == azurite
        host.send_queue_message("inbox-given", "given azurite")
        assert eventually(lambda: visible(azurite, "outbox-given")) == ["given azurite"]


def test_a_value_already_in_the_environment_is_restored(
    forwarding_app: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A literal exported by the shell wins over local.settings.json, is mapped while the host runs
    and is the literal again after it stops."""
    monkeypatch.setenv("REPORTS_STORAGE", "UseDevelopmentStorage=true;")
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    with running_devhost(forwarding_app, store_path=tmp_path / "hub.sqlite") as host:
        assert os.environ["REPORTS_STORAGE"] == host.azurite_connection
    assert os.environ["REPORTS_STORAGE"] == "UseDevelopmentStorage=true;"
