"""Child process of the scale benchmark: devhost + Azurite serving function_app.py, N builds at once.

Run as `python -m bench.scale_host --armsim URL --count N --timeout S`; prints one JSON line with
what it saw (statuses, wall time, its own peak resident memory). It lives in its own process so
its peak memory is devhost's (plus this small driver), apart from armsim's and the benchmark's.

All N build requests are put on the build queue before devhost starts, and the durable engine is
kept from jumping the virtual clock until every build has been started by the queue trigger, so
they really run at once instead of the first ones racing ahead in simulated time. Meanwhile time
flows at FLOW_SCALE x wall time (bench.remote_clock explains why a busy system needs that).
Activities do not sleep in-process on a Retry-After (IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS=0):
a wall-clock sleep would stall a worker for FLOW_SCALE times as long in simulated time; the
orchestrators wait for the Retry-After on durable timers instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from bench.errors import BenchError
from bench.harness import RESOURCE_GROUP, patched_environ
from bench.remote_clock import ArmsimClock
from bench.scenarios import Scenario
from devhost.azurite import AzuriteQueue
from devhost.testing import running_devhost
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest

REPO = Path(__file__).resolve().parents[1]
BUILD_QUEUE = "image-builds"
DEFINITIONS = 10


def subscription_of(index: int, subscriptions: int) -> str:
    """Build `index`'s subscription: the builds are spread round-robin over `subscriptions`."""
    return f"00000000-0000-0000-0000-{index % subscriptions:012d}"
POLL_SECONDS = 0.1
FLOW_SCALE = 1.0


def vm_name(index: int) -> str:
    return f"scale-{index:03d}"


def scale_request(index: int, scenario: Scenario, subscriptions: int = 1) -> dict[str, Any]:
    """Build `index`: VM scale-NNN of its subscription -> one of ten definitions of that
    subscription's gallery, its own version."""
    subscription = subscription_of(index, subscriptions)
    return {
        "source": f"/subscriptions/{subscription}/resourceGroups/{RESOURCE_GROUP}/providers/"
        f"Microsoft.Compute/virtualMachines/{vm_name(index)}",
        "generalize": "deprovision",
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": RESOURCE_GROUP, "name": "galscale"},
            "definition": {
                "name": f"app-{index % DEFINITIONS}",
                "publisher": "contoso",
                "offer": f"app{index % DEFINITIONS}",
                "sku": "base",
            },
            "version": f"1.0.{index}",
            "replication": {"target_regions": scenario.target_regions()},
        },
    }


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def run_builds(
    endpoint: str, count: int, scenario: Scenario, timeout: float, subscriptions: int = 1
) -> dict[str, Any]:
    requests = [scale_request(index, scenario, subscriptions) for index in range(count)]
    ids = [instance_id_for(BuildRequest.parse_obj_strict(r)) for r in requests]
    clock = ArmsimClock(endpoint, scale=FLOW_SCALE)
    started_at = clock.now()
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as work,
        AzuriteQueue(location=Path(work) / "az") as az,
    ):
        connection = az.connection_string
        queue = QueueClient.from_connection_string(
            connection, BUILD_QUEUE, message_encode_policy=TextBase64EncodePolicy()
        )
        with queue:
            queue.create_queue()
            for request in requests:
                queue.send_message(json.dumps(request))
        settings = {
            "AzureWebJobsStorage": connection,
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "IMAGEFACTORY_TASK_HUB": "ImageFactory",
            "IMAGEFACTORY_ARM_ENDPOINT": endpoint,
            "IMAGEFACTORY_BUILD_QUEUE": BUILD_QUEUE,
            "IMAGEFACTORY_ALLOWED_SCOPES": ",".join(
                f"/subscriptions/{subscription_of(i, subscriptions)}" for i in range(subscriptions)
            ),
            "IMAGEFACTORY_HTTP_MAX_INLINE_WAIT_SECONDS": "0",
            # the nightly rollout must not fire during the run: once a year, far from the sim's start
            "IMAGEFACTORY_ROLLOUT_SCHEDULE": "0 0 2 1 7 *",
        }
        wall_start = time.perf_counter()
        deadline = wall_start + timeout
        clock.start_flow()
        with (
            patched_environ(settings),
            running_devhost(
                REPO,
                clock=clock,
                azurite_connection=connection,
                store_path=Path(work) / "durable.sqlite",
                settings=settings,
                auto_advance=False,
            ) as host,
        ):
            engine = host.engine
            while True:
                statuses = [host.call(engine.get_status(i)) for i in ids]
                if all(s is not None for s in statuses):
                    break
                if time.perf_counter() > deadline:
                    missing = sum(1 for s in statuses if s is None)
                    raise BenchError(
                        f"scale: {missing} of {count} builds were never started by the queue trigger"
                    )
                time.sleep(POLL_SECONDS)
            all_started_wall = time.perf_counter() - wall_start
            engine.auto_advance = True  # the next tick of the flowing clock wakes the scheduler
            final: dict[str, Any] = {}
            for instance_id in ids:
                remaining = max(0.1, deadline - time.perf_counter())
                try:
                    final[instance_id] = host.wait_for_orchestration(instance_id, remaining)
                except TimeoutError:
                    final[instance_id] = None
            wall = time.perf_counter() - wall_start
            finished = [s for s in final.values() if s is not None]
            succeeded = [
                s
                for s in finished
                if s.runtime_status == "Completed"
                and isinstance(s.output, dict)
                and s.output.get("status") == "Succeeded"
            ]
            failures = [
                str((s.output or {}).get("summary") if isinstance(s.output, dict) else s.runtime_status)
                for s in finished
                if s not in succeeded
            ]
            last_update = max((s.last_updated_time for s in finished), default=started_at)
            clock.stop_flow()
            stats = engine.stats
            return {
                "submitted": count,
                "completed": len(succeeded),
                "failed": len(finished) - len(succeeded),
                "unfinished": count - len(finished),
                "failure_samples": failures[:3],
                "simulated_seconds": (last_update - started_at).total_seconds(),
                "wall_seconds": wall,
                "all_started_wall_seconds": all_started_wall,
                "episodes": stats.episodes,
                "activity_invocations": len(stats.activity_invocations),
                "devhost_peak_rss_bytes": _peak_rss_bytes(),
            }


def _exit_on_term(signum: int, frame: Any) -> None:
    """SIGTERM from the benchmark unwinds the context managers, so Azurite is stopped too."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_term)
    parser = argparse.ArgumentParser(prog="python -m bench.scale_host")
    parser.add_argument("--armsim", required=True, help="armsim endpoint (virtual clock)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--replication-seconds", type=float, required=True)
    parser.add_argument("--regions", type=int, required=True)
    parser.add_argument("--subscriptions", type=int, default=1)
    parser.add_argument("--timeout", type=float, required=True, help="wall seconds for all builds")
    args = parser.parse_args(argv)
    scenario = Scenario(args.replication_seconds, args.regions)
    figures = run_builds(args.armsim, args.count, scenario, args.timeout, args.subscriptions)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
