"""The main demo: a build system prepares a VM and drops a build request on the queue."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from demo.errors import DemoError
from demo.progress import watch_build
from demo.results import print_result, wait_for_result
from demo.stack import BUILD_QUEUE, RESULTS_QUEUE, DemoStack, app_settings
from imagefactory.identity import instance_id_for
from imagefactory.settings import Settings
from imagefactory.submit import submit, validated

VM_SPEC: dict[str, Any] = {
    "resource_group": "rg-build",
    "name": "vm-web-01",
    "location": "westeurope",
    "os_type": "Linux",
    "os_disk_size_gb": 64,
    "data_disks": [{"lun": 0, "size_gb": 128}],
    "tags": {"imagefactory-allow-delete": "true", "team": "web"},
}


def build_request(vm_id: str) -> dict[str, Any]:
    return {
        "source": vm_id,
        "generalize": "deprovision",
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": "rg-images", "name": "corp_gallery", "location": "westeurope"},
            "definition": {
                "name": "ubuntu-22.04-web",
                "publisher": "contoso",
                "offer": "web",
                "sku": "22_04",
            },
            "version": "1.0.0",
            "replication": {
                "storage_account_type": "Standard_LRS",
                "target_regions": [
                    {"name": "westeurope", "replica_count": 2},
                    {"name": "northeurope", "replica_count": 1},
                    {"name": "eastus", "replica_count": 1},
                ],
            },
        },
        "delete_source_vm": True,
        "correlation_id": "demo-pipeline-run-1",
        "report": {"results_queue": RESULTS_QUEUE},
    }


def run(console: Console, stack: DemoStack, *, timeout: float) -> bool:
    console.print(f"armsim (ARM simulator) on {stack.arm_url}; Image Factory (devhost) on {stack.app_url}")
    vm_id = stack.seed_vm(VM_SPEC)
    console.print(f"seeded a prepared VM: {vm_id}")
    request = validated(build_request(vm_id))
    # the producer applies the app's door with the app's own settings (scopes, result queues, opt-in)
    settings = Settings.from_env(app_settings(stack.queue_connection, stack.arm_url, {}))
    message_id = submit(
        request, connection_string=stack.queue_connection, queue_name=BUILD_QUEUE, settings=settings
    )
    build_id = instance_id_for(request)
    console.print(
        f"queued build request (message {message_id}) on [bold]{BUILD_QUEUE}[/]; build id {build_id}\n"
    )
    view = watch_build(console, stack.api(f"builds/{build_id}"), timeout=timeout)
    if view.get("status") not in ("Succeeded", "Failed"):
        raise DemoError(f"the build ended {view.get('status')}")
    result = wait_for_result(stack.queue_connection, RESULTS_QUEUE, build_id, timeout=30)
    print_result(console, result)
    return result.get("status") == "Succeeded"
