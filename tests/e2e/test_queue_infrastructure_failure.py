"""An infrastructure failure at the queue door raises, so the platform retries and finally poisons.

The sender's request is valid, but the ARM endpoint cannot be reached when the trigger reads the
source VM's delete opt-in tag. That is not the sender's fault, so no rejects document is written:
the invocation fails, the queue redelivers the message up to maxDequeueCount times, and then moves
it, unchanged, to `<queue>-poison`; no build starts. devhost runs here as its own process with a
host.json whose visibilityTimeout is zero, so the five deliveries take no wall time to come back.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.processes import Child, child_env
from tests.e2e.stack import REPO, SUBSCRIPTION, Stack, gallery_request

pytestmark = pytest.mark.timeout(120)

QUEUE = "infra-down-builds"
APP_PARTS = ("function_app.py", "triggers", "orchestrators", "activities", "imagefactory")
START_TIMEOUT = 60.0
WAIT_SECONDS = 45.0


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _app_dir(root: Path) -> Path:
    """This app with a host.json that redelivers a failed message at once."""
    app = root / "app"
    app.mkdir()
    for part in APP_PARTS:
        (app / part).symlink_to(REPO / part)
    host = json.loads((REPO / "host.json").read_text(encoding="utf-8"))
    host["extensions"]["queues"]["visibilityTimeout"] = "00:00:00"
    (app / "host.json").write_text(json.dumps(host), encoding="utf-8")
    return app


@pytest.fixture
def host_with_arm_down(stack: Stack, tmp_path: Path) -> Iterator[str]:
    app = _app_dir(tmp_path)
    settings = {
        "AzureWebJobsStorage": stack.connection,
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "IMAGEFACTORY_TASK_HUB": "ImageFactory",
        "IMAGEFACTORY_ARM_ENDPOINT": f"http://127.0.0.1:{_dead_port()}",
        "IMAGEFACTORY_HTTP_RETRY_TOTAL": "0",
        "IMAGEFACTORY_BUILD_QUEUE": QUEUE,
        "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
    }
    child = Child(
        "devhost",
        [
            "-m",
            "devhost",
            str(app),
            "--port",
            "0",
            "--azurite",
            stack.connection,
            "--store",
            str(tmp_path / "durable.sqlite"),
            "--log-level",
            "INFO",
        ],
        env=child_env(settings),
        log_path=tmp_path / "devhost.log",
    )
    try:
        yield child.wait_for(r"devhost: \S+ on (http://\S+)", r"devhost: running", START_TIMEOUT)
    finally:
        child.stop()
        shutil.rmtree(app, ignore_errors=True)


def test_unreachable_arm_at_the_door_ends_in_the_poison_queue_after_retries(
    stack: Stack, host_with_arm_down: str, tmp_path: Path
) -> None:
    vm_id = stack.seed_vm("vm-infra-down", tags={"imagefactory-allow-delete": "true"})
    body = json.dumps(gallery_request(vm_id, "9.9.9", delete_source_vm=True))
    stack.queue(QUEUE).send_message(body)

    deadline = time.monotonic() + WAIT_SECONDS
    poisoned: list[str] = []
    while not poisoned and time.monotonic() < deadline:
        try:
            poisoned = [
                m.content for m in stack.queue(f"{QUEUE}-poison").receive_messages(visibility_timeout=1)
            ]
        except Exception as error:  # the poison queue exists only once something was poisoned
            if "QueueNotFound" not in str(error):
                raise
        time.sleep(0.1)
    assert poisoned == [body], "the message did not reach the poison queue unchanged"

    log = (tmp_path / "devhost.log").read_text(encoding="utf-8")
    assert f"moved to {QUEUE}-poison after 5 deliveries" in log
    assert stack.drain(f"{QUEUE}-rejects") == []
    instances = requests.get(
        f"{host_with_arm_down}/runtime/webhooks/durabletask/instances", timeout=10
    ).json()
    assert instances == []
