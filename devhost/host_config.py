"""What the host reads before it starts anything: host.json, and the app settings that change how
the host and its language worker behave (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_WORKER_PROCESS_COUNT,
PYTHON_SCRIPT_FILE_NAME; the worker itself reads PYTHON_THREADPOOL_THREAD_COUNT and
PYTHON_ENABLE_DEBUG_LOGGING from its environment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devhost.errors import SettingsError
from devhost.queues import QueueOptions
from devhost.settings import AppSettings, parse_timespan

DEFAULT_TASK_HUB = "TestHubName"
DURABLE_TRIGGERS = ("orchestrationTrigger", "activityTrigger")
RETURN = "$return"
# What functionTimeout means when host.json does not set it (the Premium and Flex default).
DEFAULT_FUNCTION_TIMEOUT = 30 * 60.0
WORKER_RUNTIME_SETTING = "FUNCTIONS_WORKER_RUNTIME"
PROCESS_COUNT_SETTING = "FUNCTIONS_WORKER_PROCESS_COUNT"
SCRIPT_FILE_SETTING = "PYTHON_SCRIPT_FILE_NAME"
DEFAULT_SCRIPT_FILE = "function_app.py"


@dataclass(frozen=True)
class HostConfig:
    """What host.json says, read once at start."""

    queue_options: QueueOptions
    route_prefix: str
    task_hub: str
    max_concurrent_activities: int
    max_concurrent_orchestrations: int
    function_timeout: float | None  # None: unbounded ("-1")

    @classmethod
    def from_host_json(cls, document: dict[str, Any], settings: AppSettings | None = None) -> HostConfig:
        """host.json as the host reads it; `%NAME%` in the task hub name is an app setting, as the
        Durable extension resolves it (a missing setting is an error, as there)."""
        extensions = document.get("extensions", {}) or {}
        durable = extensions.get("durableTask", {}) or {}
        http = extensions.get("http", {}) or {}
        timeout = document.get("functionTimeout")
        function_timeout: float | None = DEFAULT_FUNCTION_TIMEOUT
        if timeout is not None:
            function_timeout = None if str(timeout).strip() == "-1" else parse_timespan(
                timeout, field="functionTimeout"
            )
        return cls(
            queue_options=QueueOptions.from_host_json(document),
            route_prefix=str(http.get("routePrefix", "api")),
            task_hub=task_hub_name(str(durable.get("hubName") or DEFAULT_TASK_HUB), settings),
            max_concurrent_activities=int(durable.get("maxConcurrentActivityFunctions", 8)),
            max_concurrent_orchestrations=int(durable.get("maxConcurrentOrchestratorFunctions", 8)),
            function_timeout=function_timeout,
        )


def task_hub_name(name: str, settings: AppSettings | None) -> str:
    if settings is None:
        return name
    resolved = settings.resolve(name, where="host.json extensions.durableTask.hubName").strip()
    return resolved or DEFAULT_TASK_HUB


def check_worker_runtime(settings: AppSettings) -> None:
    """The host starts the worker FUNCTIONS_WORKER_RUNTIME names; devhost has only the Python one."""
    runtime = settings.get(WORKER_RUNTIME_SETTING)
    if runtime is not None and runtime.strip().lower() != "python":
        raise SettingsError(
            f"{WORKER_RUNTIME_SETTING} is {runtime!r}: devhost runs the Python worker only "
            "(set it to \"python\", as a Python Function App has it)"
        )


def worker_process_count(settings: AppSettings) -> int:
    value = settings.get(PROCESS_COUNT_SETTING)
    if value is None or not value.strip():
        return 1
    try:
        count = int(value)
    except ValueError:
        raise SettingsError(
            f"{PROCESS_COUNT_SETTING}: must be a whole number from 1 to 10, got {value!r}"
        ) from None
    if not 1 <= count <= 10:
        raise SettingsError(f"{PROCESS_COUNT_SETTING}: must be from 1 to 10, got {count}")
    return count
