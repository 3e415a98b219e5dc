"""The e2e stack: Azurite, armsim and devhost serving function_app.py, sharing one virtual clock.

The durable engine moves the virtual clock to the next durable timer whenever nothing else can
run, and armsim computes operation progress from the same clock, so hours of deallocation and
replication pass in well under a second of wall time while every call is real HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from armsim.testing import ArmsimHandle
from devhost.testing import RunningDevHost

REPO = Path(__file__).resolve().parents[2]
SUBSCRIPTION = "00000000-0000-0000-0000-00000000e2e0"
OUTSIDE_SUBSCRIPTION = "00000000-0000-0000-0000-0000000bad00"
RESOURCE_GROUP = "rg-build"
IMAGES_GROUP = "rg-images"
BUILD_QUEUE = "image-builds"
REJECTS_QUEUE = "image-builds-rejects"
RESULTS_QUEUE = "image-build-results"
FUNCTION_KEY = "e2e-function-key"
WAIT_SECONDS = 30.0

T = TypeVar("T")


@dataclass
class Stack:
    host: RunningDevHost
    sim: ArmsimHandle
    connection: str
    rollout_path: Path

    # --- arm ---------------------------------------------------------------------------------
    def seed_vm(self, name: str, **spec: Any) -> str:
        spec.setdefault("location", "westeurope")
        spec.setdefault("os_type", "Linux")
        return self.sim.seed_vm(name, subscription=SUBSCRIPTION, resource_group=RESOURCE_GROUP, **spec)

    def version_puts(self, version_name: str) -> list[Any]:
        return [
            entry
            for entry in self.sim.requests()
            if entry.method == "PUT" and entry.path.lower().endswith(f"/versions/{version_name}")
        ]

    # --- queues ------------------------------------------------------------------------------
    def queue(self, name: str) -> QueueClient:
        return QueueClient.from_connection_string(
            self.connection,
            name,
            message_encode_policy=TextBase64EncodePolicy(),
            message_decode_policy=TextBase64DecodePolicy(),
        )

    def send(self, body: str | bytes) -> None:
        self.host.send_queue_message(BUILD_QUEUE, body)

    def drain(self, name: str) -> list[dict[str, Any]]:
        """Every message currently on `name`, removed and parsed as JSON."""
        client = self.queue(name)
        found: list[dict[str, Any]] = []
        try:
            for message in client.receive_messages(messages_per_page=32, visibility_timeout=30):
                found.append(json.loads(message.content))
                client.delete_message(message)
        except Exception as error:  # a queue nobody wrote to yet does not exist
            if "QueueNotFound" not in str(error):
                raise
        return found

    def wait_for_messages(
        self, name: str, accept: Callable[[dict[str, Any]], bool], count: int = 1
    ) -> list[dict[str, Any]]:
        """Messages on `name` accepted by `accept` (others are left in place), at least `count`."""
        deadline = time.monotonic() + WAIT_SECONDS
        client = self.queue(name)
        matched: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            try:
                for message in client.receive_messages(messages_per_page=32, visibility_timeout=1):
                    document = json.loads(message.content)
                    if accept(document):
                        matched.append(document)
                        client.delete_message(message)
            except Exception as error:
                if "QueueNotFound" not in str(error):
                    raise
            if len(matched) >= count:
                return matched
            time.sleep(0.05)
        raise AssertionError(f"only {len(matched)} of {count} expected messages arrived on {name}")

    # --- http --------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.host.base_url}/api/{path.lstrip('/')}"

    def http(self, method: str, path: str, *, key: str | None = FUNCTION_KEY, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["x-functions-key"] = key
        return requests.request(method, self.url(path), headers=headers, timeout=WAIT_SECONDS, **kwargs)

    # --- durable -----------------------------------------------------------------------------
    def wait_for_build(self, instance_id: str) -> Any:
        return self.host.wait_for_orchestration(instance_id, timeout=WAIT_SECONDS)

    def status(self, instance_id: str) -> Any:
        return self.host.call(self.host.engine.get_status(instance_id))

    def wait_until(self, check: Callable[[], T | None], what: str) -> T:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")


def gallery_request(vm_id: str, version: str, **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "source": vm_id,
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": IMAGES_GROUP, "name": "e2e_gallery"},
            "definition": {"name": "ubuntu-web", "publisher": "contoso", "offer": "web", "sku": "22"},
            "version": version,
            "replication": {
                "target_regions": [
                    {"name": "westeurope", "replica_count": 2},
                    {"name": "northeurope"},
                    {"name": "eastus"},
                ]
            },
        },
    }
    document.update(overrides)
    return document
