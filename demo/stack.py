"""The local stand-ins the demo runs against: Azurite, armsim and devhost on one scaled clock.

armsim and devhost are separate processes, as they would be separate services; both are given
the same --scale and --origin so simulated Azure operations and the durable timers that wait for
them agree on the time. devhost serves this repository's function_app.py with settings pointing
at Azurite and armsim, exactly the settings an Azure deployment sets to Azure's endpoints.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from demo.errors import DemoError
from demo.http import call
from demo.processes import Child, child_env
from devhost.azurite import AzuriteQueue
from devhost.errors import DevHostError

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
BUILD_QUEUE = "image-builds"
RESULTS_QUEUE = "image-build-results"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class DemoStack:
    workdir: Path
    queue_connection: str
    arm_url: str
    app_url: str

    def api(self, path: str) -> str:
        return f"{self.app_url}/api/{path.lstrip('/')}"

    def seed_vm(self, spec: dict[str, object]) -> str:
        status, body = call("POST", f"{self.arm_url}/_armsim/vms", {"subscription": SUBSCRIPTION, **spec})
        if status != 201 or not isinstance(body, dict):
            raise DemoError(f"armsim refused to seed {spec.get('name')}: {status} {body}")
        return str(body["id"])


def app_settings(queue_connection: str, arm_url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": queue_connection,
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "IMAGEFACTORY_TASK_HUB": "ImageFactory",
        "IMAGEFACTORY_ARM_ENDPOINT": arm_url,
        "IMAGEFACTORY_BUILD_QUEUE": BUILD_QUEUE,
        "IMAGEFACTORY_RESULTS_QUEUE": RESULTS_QUEUE,
        "IMAGEFACTORY_QUEUE_CONNECTION": "AzureWebJobsStorage",
        "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
        "IMAGEFACTORY_ROLLOUT_SCHEDULE": "0 0 2 * * *",
        **extra,
    }


@contextlib.contextmanager
def running_stack(*, scale: float, settings: dict[str, str]) -> Iterator[DemoStack]:
    """Start everything; stop everything on exit (normal, error or Ctrl-C).

    The work folder (queues, task hub, logs) is removed after a clean run and kept after a failure,
    so the logs named in the error can be read.
    """
    origin = datetime.now(UTC).replace(microsecond=0).isoformat()
    clock = ["--clock", "scaled", "--scale", str(scale), "--origin", origin]
    workdir = Path(tempfile.mkdtemp(prefix="imagefactory-demo-"))
    with contextlib.ExitStack() as stack:
        azurite = AzuriteQueue(location=workdir / "azurite")
        try:
            connection = azurite.start()
        except DevHostError as error:
            raise DemoError(f"Azurite could not start: {error}") from error
        stack.callback(azurite.stop)

        armsim = Child(
            "armsim",
            ["-m", "armsim", "--port", "0", *clock],
            env=child_env({}),
            log_path=workdir / "armsim.log",
        )
        stack.callback(armsim.stop)
        arm_url = armsim.wait_for(r"armsim listening on (http://\S+)", None, START_TIMEOUT)

        env = child_env(app_settings(connection, arm_url, settings))
        devhost = Child(
            "devhost",
            [
                "-m",
                "devhost",
                ".",
                "--port",
                "0",
                "--azurite",
                connection,
                "--store",
                str(workdir / "durable.sqlite"),
                "--log-level",
                "WARNING",
                *clock,
            ],
            env=env,
            log_path=workdir / "devhost.log",
        )
        stack.callback(devhost.stop)
        app_url = devhost.wait_for(r"devhost: \S+ on (http://\S+)", r"devhost: running", START_TIMEOUT)
        yield DemoStack(workdir, connection, arm_url, app_url)
    shutil.rmtree(workdir, ignore_errors=True)
