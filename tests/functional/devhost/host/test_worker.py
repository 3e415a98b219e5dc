"""The language worker as the platform runs it: its own process, restarted when it dies or hangs,
its logs relayed with the invocation they belong to, its settings read by the worker itself."""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devhost.clock import VirtualClock
from devhost.testing import RunningDevHost, running_devhost
from tests.functional.devhost.host.conftest import eventually, records
from tests.functional.devhost.host.test_queues import raw_messages, send_raw

pytestmark = pytest.mark.timeout(90)


def get(host: RunningDevHost, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{host.base_url}/api/{path}", timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def settings_for(record_file: Path, queue: str, **extra: str) -> dict[str, str]:
    return {"SAMPLE_RECORD_FILE": str(record_file), "CRASH_QUEUE": queue, **extra}


def test_a_worker_that_dies_mid_invocation_is_replaced_and_the_message_retried(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
    tmp_path: Path,
) -> None:
    queue = queue_name("crash")
    settings = settings_for(record_file, queue)
    with running_devhost(sample("host_worker_faults"), azurite_connection=azurite,
                         settings=settings, store_path=tmp_path / "hub.sqlite") as host:
        first_pid = host.host.worker.pids[0]
        send_raw(azurite, queue, base64.b64encode(b"job").decode())
        eventually(lambda: records(record_file)[1:])
        # The first delivery killed its worker; the host started a new one, and the queue's own rule
        # (the message was not completed, so it became visible again) delivered it a second time.
        seen = records(record_file)
        assert [d["dequeue_count"] for d in seen] == [1, 2]
        assert seen[0]["pid"] == first_pid
        assert seen[1]["pid"] != first_pid and seen[1]["pid"] == host.host.worker.pids[0]
        assert host.host.worker.restarts == 1
        eventually(lambda: raw_messages(azurite, queue) == [] or None)
        assert raw_messages(azurite, f"{queue}-poison") == []


def test_an_invocation_past_function_timeout_fails_and_the_worker_is_restarted(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_devhost(sample("host_worker_faults"), azurite_connection=azurite,
                         settings=settings_for(record_file, queue_name("crash"))) as host:
        before = host.host.worker.pids[0]
        with caplog.at_level(logging.WARNING, logger="devhost"):
            status, _ = get(host, "hang")
        assert status == 500  # host.json functionTimeout is 5 s; the function sleeps 60 s
        assert "Timeout value of 00:00:05 exceeded by function 'Functions.hang'" in caplog.text
        eventually(lambda: host.host.worker.restarts == 1 and host.host.worker.pids[0] != before)
        assert get(host, "pid") == (200, str(host.host.worker.pids[0]))  # the new worker serves


def test_worker_logs_reach_the_host_with_their_invocation(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with running_devhost(sample("host_worker_faults"), azurite_connection=azurite,
                         settings=settings_for(record_file, queue_name("crash"))) as host, \
            caplog.at_level(logging.DEBUG, logger="devhost"):
        assert get(host, "log") == (200, "logged")
        relayed = [r for r in caplog.records if r.name == "devhost.worker.logs"
                   and "information from the app" in r.getMessage()]
        invocations = [r for r in caplog.records
                       if r.name == "devhost.invocations" and '"log"' in r.getMessage()]
        assert len(relayed) == 1 and len(invocations) == 1
        invocation_id = getattr(relayed[0], "invocation_id", None)
        assert invocation_id and invocation_id in invocations[0].getMessage()
        assert relayed[0].levelno == logging.INFO and getattr(relayed[0], "function", None) == "log"
        # Without PYTHON_ENABLE_DEBUG_LOGGING the worker logs at INFO: the app's debug line stays there.
        assert not any("debug detail from the app" in r.getMessage() for r in caplog.records)


def test_debug_logging_setting_is_honoured_by_the_worker(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(record_file, queue_name("crash"), PYTHON_ENABLE_DEBUG_LOGGING="1")
    faults = sample("host_worker_faults")
    with running_devhost(faults, azurite_connection=azurite, settings=settings) as host, \
            caplog.at_level(logging.DEBUG, logger="devhost"):
        assert get(host, "log") == (200, "logged")
        debug = [r for r in caplog.records if "debug detail from the app" in r.getMessage()]
        assert len(debug) == 1 and debug[0].levelno == logging.DEBUG


def test_worker_process_count_setting_starts_that_many_workers(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
) -> None:
    settings = settings_for(record_file, queue_name("crash"), FUNCTIONS_WORKER_PROCESS_COUNT="2")
    with running_devhost(sample("host_worker_faults"), azurite_connection=azurite, settings=settings) as host:
        pids = host.host.worker.pids
        assert len(set(pids)) == 2
        # Two requests at once: the second goes to the idle worker, as the host balances them.
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: get(host, "pid?hold=0.5"), range(2)))
        assert {body for _, body in answers} == {str(pid) for pid in pids}


def test_an_activity_whose_worker_dies_fails_its_attempt_and_the_retry_policy_applies(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path,
    tmp_path: Path,
) -> None:
    """As the Durable extension treats a failed activity invocation: TaskFailed (a user-code failure),
    then the orchestrator's own retry policy, which the replacement worker serves."""
    marker = tmp_path / "crashed-once"
    with running_devhost(sample("host_worker_faults"), azurite_connection=azurite, clock=VirtualClock(),
                         settings=settings_for(record_file, queue_name("crash"))) as host:
        instance = host.call(host.engine.start_new("survive_a_crash", None, str(marker)))
        status: Any = host.wait_for_orchestration(instance)
        assert status.runtime_status == "Completed", status.output
        assert status.output == f"done in worker {host.host.worker.pids[0]}"
        failed = [e for e in host.engine.history(instance) if e["EventType"] == 6]  # TaskFailed
        assert len(failed) == 1 and "WorkerConnectionLostError" in failed[0]["Reason"]
        assert marker.exists() and host.host.worker.restarts == 1
