"""Queue delivery behaviour on a real Azurite: how many messages run at once, and when a failed one returns.

The queue extension receives up to `batchSize` messages per poll and polls again only when no more
than `newBatchThreshold` are still running, so at most batchSize + newBatchThreshold run at once. A
failed message is made visible again after `visibilityTimeout`; a processed one is deleted. These
tests observe that through the sample app `host_queue_batch`, with host.json written per test.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from devhost.testing import running_devhost
from tests.functional.devhost.host.conftest import eventually, records
from tests.functional.devhost.host.test_queues import raw_messages, send_raw

pytestmark = pytest.mark.timeout(60)

BURST = 6
# Azurite keeps message times to the millisecond; allow for that and for clock reads around it.
VISIBILITY_TOLERANCE = 0.05


def app_with_queues(sample: Callable[[str], Path], tmp_path: Path, **queues: Any) -> Path:
    """A copy of the sample app whose host.json `extensions.queues` is exactly `queues`."""
    app_dir = tmp_path / "app"
    shutil.copytree(sample("host_queue_batch"), app_dir)
    host_json = {"version": "2.0", "extensions": {"queues": {"maxPollingInterval": "00:00:00.100", **queues}}}
    (app_dir / "host.json").write_text(json.dumps(host_json), encoding="utf-8")
    return app_dir


def enqueue(connection: str, queue: str, body: str) -> str:
    """Send a body as a producer must under the default base64 messageEncoding."""
    return send_raw(connection, queue, base64.b64encode(body.encode()).decode())


def approximate_count(connection: str, queue: str) -> int:
    """Messages in a queue, hidden ones included (a message hidden by a lease still counts)."""
    client = QueueClient.from_connection_string(connection, queue)
    try:
        count = client.get_queue_properties().approximate_message_count
        assert count is not None, f"queue {queue} reported no approximate message count"
        return count
    finally:
        client.close()


def run_burst(
    azurite: str, app_dir: Path, queue: str, settings: dict[str, str]
) -> tuple[int, list[str]]:
    """Put BURST messages on the queue before the host starts, let it drain them; (peak, bodies seen)."""
    bodies = [f"job-{n}" for n in range(BURST)]
    for body in bodies:
        enqueue(azurite, queue, body)
    record_file = app_dir / "records.jsonl"
    settings = {"SAMPLE_RECORD_FILE": str(record_file), **settings}
    with running_devhost(app_dir, azurite_connection=azurite, settings=settings):
        held = eventually(lambda: [r for r in records(record_file) if r["function"] == "held"][BURST - 1:])
        eventually(lambda: approximate_count(azurite, queue) == 0)
        held = [r for r in records(record_file) if r["function"] == "held"]
        return max(r["peak"] for r in held), [r["body"] for r in held]


@pytest.mark.parametrize(("batch_size", "threshold"), [(2, 0), (2, 1)])
def test_burst_runs_at_most_batch_size_plus_threshold_at_once(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path,
    batch_size: int, threshold: int,
) -> None:
    queue = queue_name("held")
    app_dir = app_with_queues(sample, tmp_path, batchSize=batch_size, newBatchThreshold=threshold)
    # Invocations hold 0.2 s and 0.4 s in turn: a host that fetched past the bound would start more
    # of the burst while earlier ones still run, and the peak would show it.
    settings = {"HELD_QUEUE": queue, "FLAKY_QUEUE": queue_name("flaky"), "HOLD_SECONDS": "0.2",
                "PYTHON_THREADPOOL_THREAD_COUNT": "16"}

    peak, bodies = run_burst(azurite, app_dir, queue, settings)

    # A full batch at once, then one more batch as soon as only `threshold` remain: the peak is the
    # bound itself, never beyond it.
    assert peak == batch_size + threshold
    assert sorted(bodies) == [f"job-{n}" for n in range(BURST)]  # each processed, exactly once


def test_larger_batch_size_runs_the_whole_burst_at_once(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path
) -> None:
    queue = queue_name("held")
    app_dir = app_with_queues(sample, tmp_path, batchSize=8, newBatchThreshold=1)
    # Invocations are held until all BURST run together (5 s at most, so a failure cannot hang).
    settings = {"HELD_QUEUE": queue, "FLAKY_QUEUE": queue_name("flaky"), "HOLD_SECONDS": "5",
                "RELEASE_AT": str(BURST), "PYTHON_THREADPOOL_THREAD_COUNT": "16"}

    peak, bodies = run_burst(azurite, app_dir, queue, settings)

    # Same threshold as the bounded case, bigger batch: the bound there was the settings' doing.
    assert peak == BURST
    assert sorted(bodies) == [f"job-{n}" for n in range(BURST)]


def test_worker_thread_count_setting_bounds_sync_functions_like_in_azure(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path
) -> None:
    """PYTHON_THREADPOOL_THREAD_COUNT is read by the worker itself: with 1 thread, sync functions
    run one at a time however many messages the host hands over at once."""
    queue = queue_name("held")
    app_dir = app_with_queues(sample, tmp_path, batchSize=8, newBatchThreshold=1)
    settings = {"HELD_QUEUE": queue, "FLAKY_QUEUE": queue_name("flaky"), "HOLD_SECONDS": "0.05",
                "PYTHON_THREADPOOL_THREAD_COUNT": "1"}

    peak, bodies = run_burst(azurite, app_dir, queue, settings)

    assert peak == 1
    assert sorted(bodies) == [f"job-{n}" for n in range(BURST)]


def test_failed_message_returns_after_visibility_timeout_and_processed_one_is_deleted(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path
) -> None:
    queue = queue_name("flaky")
    timeout = 1.0
    app_dir = app_with_queues(sample, tmp_path, visibilityTimeout="00:00:01", maxDequeueCount=2)
    settings = {"HELD_QUEUE": queue_name("held"), "FLAKY_QUEUE": queue}
    failing_id = enqueue(azurite, queue, "fail-once-more")
    enqueue(azurite, queue, "fine")

    record_file = tmp_path / "records.jsonl"
    settings["SAMPLE_RECORD_FILE"] = str(record_file)
    with running_devhost(app_dir, azurite_connection=azurite, settings=settings):
        poisoned = eventually(lambda: raw_messages(azurite, f"{queue}-poison"))
        assert [base64.b64decode(text).decode() for text in poisoned] == ["fail-once-more"]
        deliveries = [(r["body"], r["dequeue_count"], r["id"], r["at"])
                      for r in records(record_file) if r["function"] == "flaky"]
        # Nothing is left behind, not even hidden: the processed message was deleted, not leased
        # (the delete follows the worker's answer, so it is awaited, bounded, not raced).
        eventually(lambda: approximate_count(azurite, queue) == 0)

    failed = [d for d in deliveries if d[0] == "fail-once-more"]
    assert [(dequeue_count, message_id) for _, dequeue_count, message_id, _ in failed] == [
        (1, failing_id), (2, failing_id)
    ]
    gap = failed[1][3] - failed[0][3]
    assert gap >= timeout - VISIBILITY_TOLERANCE, f"redelivered after {gap:.3f}s, before visibilityTimeout"
    # The processed message was seen once, although the host kept polling through the timeout.
    assert [d[1] for d in deliveries if d[0] == "fine"] == [1]
