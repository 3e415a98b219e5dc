"""Waiting for and printing the result message a build system receives on the results queue."""

from __future__ import annotations

import json
import time
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy
from rich.console import Console
from rich.table import Table

from demo.errors import DemoError


def wait_for_result(connection: str, queue: str, build_id: str, timeout: float) -> dict[str, Any]:
    """The result message of `build_id` (removed from the queue once read)."""
    client = QueueClient.from_connection_string(
        connection, queue, message_decode_policy=TextBase64DecodePolicy()
    )
    deadline = time.monotonic() + timeout
    with client:
        while time.monotonic() < deadline:
            try:
                for message in client.receive_messages(messages_per_page=32, visibility_timeout=5):
                    document = json.loads(message.content)
                    if document.get("build_id") == build_id:
                        client.delete_message(message)
                        return dict(document)
            except ResourceNotFoundError:
                pass
            time.sleep(0.2)
    raise DemoError(f"no result message for {build_id} on {queue} within {timeout:.0f} s")


def print_result(console: Console, result: dict[str, Any]) -> None:
    colour = "green" if result.get("status") == "Succeeded" else "red"
    console.print(f"\n[bold {colour}]{result.get('status')}[/]: {result.get('summary')}")
    console.print(f"image version: [bold]{result.get('image_id')}[/]")
    table = Table("region", "replicas", "state", "ready at (simulated)")
    for region in result.get("regions", []):
        table.add_row(
            str(region.get("name")),
            str(region.get("replica_count") or 1),
            str(region.get("state")),
            str(region.get("ready_at") or "-"),
        )
    console.print(table)
    vm = result.get("vm", {})
    console.print(f"source VM: {vm.get('id')}\n  fate: [bold]{vm.get('fate')}[/]")
    for error in result.get("errors", []):
        console.print(f"[red]error[/] in {error.get('phase')}: {error.get('code')}: {error.get('message')}")
