"""Apps devhost must refuse at start-up, each with an error that names what to fix."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.errors import AppLoadError, BindingError, ScheduleError, SettingsError
from devhost.host import DevHost
from devhost.testing import running_devhost
from devhost.worker.errors import WorkerRefusedError

pytestmark = pytest.mark.timeout(60)


def write_app(folder: Path, source: str, *, settings: dict[str, str] | None = None,
              host_json: dict[str, object] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function_app.py").write_text(textwrap.dedent(source))
    if settings is not None:
        (folder / "local.settings.json").write_text(json.dumps({"Values": settings}))
    if host_json is not None:
        (folder / "host.json").write_text(json.dumps(host_json))
    return folder


def start_fails(app_dir: Path, **options: object) -> BaseException:
    host = DevHost(app_dir, **options)  # type: ignore[arg-type]
    with pytest.raises(Exception) as caught:
        asyncio.run(host.start())
    assert host.started is False
    if isinstance(caught.value, WorkerRefusedError):
        for pid in host.worker.pids:  # the refused worker's process was stopped, not left behind
            assert not _alive(pid), f"worker process {pid} is still running"
    return caught.value


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished:
            return False
    return True


def test_unsupported_binding_names_function_and_binding(sample: Callable[[str], Path]) -> None:
    error = start_fails(sample("host_unsupported"))
    assert isinstance(error, BindingError)
    assert "'on_upload'" in str(error) and "blobTrigger" in str(error)


def test_unsupported_binding_does_not_leave_a_listening_host(sample: Callable[[str], Path]) -> None:
    with pytest.raises(BindingError), running_devhost(sample("host_unsupported")):
        pytest.fail("the host must not start")


def test_two_function_apps_are_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "two", """
        import azure.functions as func
        app = func.FunctionApp()
        other = func.FunctionApp()
    """)
    error = start_fails(app)
    # The worker library's own check, in its own words.
    assert isinstance(error, WorkerRefusedError)
    assert "More than one FunctionApp or other top level function app instances are defined" in str(error)


def test_missing_function_app_file_is_refused(tmp_path: Path) -> None:
    tmp_path.joinpath("empty").mkdir()
    error = start_fails(tmp_path / "empty")
    assert isinstance(error, AppLoadError) and "function_app.py" in str(error)


def test_import_error_in_app_is_reported_with_the_script(tmp_path: Path) -> None:
    app = write_app(tmp_path / "broken", "import not_a_module_anywhere\n")
    error = start_fails(app)
    assert isinstance(error, WorkerRefusedError)
    assert "ModuleNotFoundError: No module named 'not_a_module_anywhere'" in str(error)


def test_missing_setting_in_binding_expression_is_named(tmp_path: Path) -> None:
    app = write_app(tmp_path / "missing", """
        import azure.functions as func
        app = func.FunctionApp()

        @app.timer_trigger(schedule="%NOT_CONFIGURED_ANYWHERE%", arg_name="timer")
        def tick(timer: func.TimerRequest) -> None:
            pass
    """)
    error = start_fails(app)
    assert isinstance(error, SettingsError)
    assert "'tick'" in str(error) and "%NOT_CONFIGURED_ANYWHERE%" in str(error)


def test_five_field_cron_schedule_is_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "cron5", """
        import azure.functions as func
        app = func.FunctionApp()

        @app.timer_trigger(schedule="*/5 * * * *", arg_name="timer")
        def tick(timer: func.TimerRequest) -> None:
            pass
    """)
    error = start_fails(app)
    assert isinstance(error, ScheduleError) and "six fields" in str(error) and "'tick'" in str(error)


def test_invalid_queue_name_is_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "badqueue", """
        import azure.functions as func
        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="Orders_Queue", connection="AzureWebJobsStorage")
        def take(msg: func.QueueMessage) -> None:
            pass
    """, settings={"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    error = start_fails(app)
    assert isinstance(error, BindingError) and "'Orders_Queue'" in str(error) and "'take'" in str(error)


def test_parameter_without_binding_is_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "unbound", """
        import azure.functions as func
        app = func.FunctionApp()

        @app.route(route="x")
        def handler(req: func.HttpRequest, extra: str) -> str:
            return "x"
    """)
    error = start_fails(app)
    assert isinstance(error, WorkerRefusedError)
    assert "cannot load the handler function: the following parameters are declared in Python but not in " \
        "the function definition" in str(error) and "'extra'" in str(error)


def test_bad_host_json_queue_option_names_the_field(tmp_path: Path) -> None:
    app = write_app(tmp_path / "badhost", """
        import azure.functions as func
        app = func.FunctionApp()
    """, host_json={"version": "2.0", "extensions": {"queues": {"maxDequeueCount": 0}}})
    error = start_fails(app)
    assert isinstance(error, SettingsError) and "extensions.queues.maxDequeueCount" in str(error)


def test_missing_connection_setting_is_named(tmp_path: Path) -> None:
    app = write_app(tmp_path / "noconn", """
        import azure.functions as func
        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="work", connection="WorkStorage")
        def take(msg: func.QueueMessage) -> None:
            pass
    """)
    error = start_fails(app, azurite_connection="UseDevelopmentStorage=true")
    assert isinstance(error, SettingsError) and "'WorkStorage'" in str(error)


def test_builtin_generic_annotation_on_an_activity_is_refused_by_the_worker(tmp_path: Path) -> None:
    """The check that once let a whole suite pass on an app Azure refuses: the worker's load check
    takes `dict[str, Any]` for a non-type annotation, and the host does not start."""
    app = write_app(tmp_path / "generic", """
        from typing import Any

        import azure.durable_functions as df

        app = df.DFApp()

        @app.activity_trigger(input_name="payload")
        def read_vm(payload: dict[str, Any]) -> dict[str, Any]:
            return payload
    """)
    error = start_fails(app)
    assert isinstance(error, WorkerRefusedError)
    assert "cannot load the read_vm function: binding payload has invalid non-type annotation " \
        "dict[str, typing.Any]" in str(error)


def test_output_binding_without_an_out_annotation_is_refused_by_the_worker(tmp_path: Path) -> None:
    app = write_app(tmp_path / "notout", """
        import azure.functions as func

        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="inbox", connection="AzureWebJobsStorage")
        @app.queue_output(arg_name="outbox", queue_name="outbox", connection="AzureWebJobsStorage")
        def relay(msg: func.QueueMessage, outbox: str) -> None:
            pass
    """, settings={"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    error = start_fails(app, azurite_connection="UseDevelopmentStorage=true")
    assert isinstance(error, WorkerRefusedError)
    assert "cannot load the relay function: binding outbox is declared to have the \"out\" direction, " \
        "but its annotation in Python is not a subclass of azure.functions.Out" in str(error)


def test_a_worker_runtime_other_than_python_is_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "node", """
        import azure.functions as func
        app = func.FunctionApp()
    """, settings={"FUNCTIONS_WORKER_RUNTIME": "node"})
    error = start_fails(app)
    assert isinstance(error, SettingsError) and "FUNCTIONS_WORKER_RUNTIME is 'node'" in str(error)
