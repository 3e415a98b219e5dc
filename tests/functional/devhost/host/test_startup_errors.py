"""Apps devhost must refuse at start-up, each with an error that names what to fix."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.errors import AppLoadError, BindingError, ScheduleError, SettingsError
from devhost.host import DevHost
from devhost.testing import running_devhost

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
    return caught.value


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
    assert isinstance(error, AppLoadError) and "exactly one top-level FunctionApp" in str(error)
    assert "found 2" in str(error)


def test_missing_function_app_file_is_refused(tmp_path: Path) -> None:
    tmp_path.joinpath("empty").mkdir()
    error = start_fails(tmp_path / "empty")
    assert isinstance(error, AppLoadError) and "function_app.py" in str(error)


def test_import_error_in_app_is_reported_with_the_script(tmp_path: Path) -> None:
    app = write_app(tmp_path / "broken", "import not_a_module_anywhere\n")
    error = start_fails(app)
    assert isinstance(error, AppLoadError) and "ModuleNotFoundError" in str(error)


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
    assert isinstance(error, BindingError) and "'extra'" in str(error)


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
