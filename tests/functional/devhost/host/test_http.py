"""HTTP triggers served by devhost: routes, parameters, methods, responses, auth keys, admin calls."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from devhost.testing import RunningDevHost, running_devhost

pytestmark = pytest.mark.timeout(60)


def request(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(prepared, timeout=10) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names compare case-insensitively (the worker sends them lower-case, as it builds them)."""
    return {name.lower(): value for name, value in items}


@pytest.fixture(scope="module")
def http_host() -> Iterator[RunningDevHost]:
    app = Path(__file__).resolve().parents[3] / "samples" / "host_http"
    with running_devhost(app) as host:
        yield host


@pytest.fixture(scope="module")
def keyed_host() -> Iterator[RunningDevHost]:
    app = Path(__file__).resolve().parents[3] / "samples" / "host_http"
    with running_devhost(app, function_keys=["fn-key"], master_key="master-key") as host:
        yield host


def test_route_parameter_with_int_constraint_and_query(http_host: RunningDevHost) -> None:
    status, headers, body = request(f"{http_host.base_url}/api/items/42?colour=red")
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"id": 42, "method": "GET", "params": {"colour": "red"}}


def test_constraint_mismatch_is_not_found(http_host: RunningDevHost) -> None:
    status, _, body = request(f"{http_host.base_url}/api/items/forty-two")
    assert status == 404
    assert "no function route" in json.loads(body)["error"]


def test_literal_route_wins_over_parameter(http_host: RunningDevHost) -> None:
    assert request(f"{http_host.base_url}/api/items/latest")[2] == b"latest"


def test_post_json_returns_status_headers_and_mimetype(http_host: RunningDevHost) -> None:
    status, headers, body = request(
        f"{http_host.base_url}/api/items", method="POST", body=json.dumps({"id": 7}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 201
    assert headers["location"] == "/api/items/7"
    assert headers["x-sample"] == "yes"
    assert json.loads(body) == {"created": {"id": 7}, "content_type": "application/json"}


def test_optional_parameter_and_async_function_returning_str(http_host: RunningDevHost) -> None:
    assert request(f"{http_host.base_url}/api/greet")[2] == b"hello nobody"
    status, headers, body = request(f"{http_host.base_url}/api/greet/ada")
    assert (status, body) == (200, b"hello ada")
    assert headers["content-type"].startswith("text/plain")


def test_catch_all_parameter_keeps_slashes(http_host: RunningDevHost) -> None:
    assert request(f"{http_host.base_url}/api/files/a/b/c.txt")[2] == b"a/b/c.txt"


def test_method_not_allowed_lists_allowed_methods(http_host: RunningDevHost) -> None:
    status, headers, _ = request(f"{http_host.base_url}/api/items/1", method="PUT", body=b"")
    assert status == 405
    assert headers["allow"] == "DELETE, GET"
    assert request(f"{http_host.base_url}/api/items/1", method="DELETE")[0] == 200


def test_unknown_route_is_not_found(http_host: RunningDevHost) -> None:
    assert request(f"{http_host.base_url}/api/nope")[0] == 404
    assert request(f"{http_host.base_url}/elsewhere")[0] == 404


def test_failing_function_answers_500_and_logs_failure(
    http_host: RunningDevHost, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="devhost.invocations"):
        status, _, body = request(f"{http_host.base_url}/api/broken")
    assert status == 500
    assert "broken" in json.loads(body)["error"]
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "devhost.invocations"]
    failed = [r for r in records if r["function"] == "broken"]
    assert failed and failed[-1]["outcome"] == "failed"
    assert failed[-1]["trigger"] == "httpTrigger"
    assert "this function always fails" in failed[-1]["error"]
    assert failed[-1]["duration_ms"] >= 0


def test_returning_none_from_an_http_function_fails_in_the_worker(
    http_host: RunningDevHost, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker cannot encode None for an http output (an HttpResponse is required), so the
    invocation fails and the host answers 500, as a deployed app does."""
    with caplog.at_level(logging.WARNING, logger="devhost"):
        assert request(f"{http_host.base_url}/api/empty", method="POST", body=b"")[0] == 500
    assert 'unsupported type "http" for Python type "NoneType"' in caplog.text


def test_without_configured_keys_every_level_is_open(http_host: RunningDevHost) -> None:
    assert request(f"{http_host.base_url}/api/secure")[:1] == (200,)
    assert request(f"{http_host.base_url}/api/admin-only")[:1] == (200,)


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/api/secure", {}, 401),
        ("/api/secure", {"x-functions-key": "wrong"}, 401),
        ("/api/secure", {"x-functions-key": "fn-key"}, 200),
        ("/api/secure?code=fn-key", {}, 200),
        ("/api/secure?code=master-key", {}, 200),
        ("/api/admin-only", {"x-functions-key": "fn-key"}, 401),
        ("/api/admin-only", {"x-functions-key": "master-key"}, 200),
        ("/api/greet/anyone", {}, 200),
    ],
)
def test_configured_keys_are_enforced_per_auth_level(
    keyed_host: RunningDevHost, path: str, headers: dict[str, str], expected: int
) -> None:
    assert request(f"{keyed_host.base_url}{path}", headers=headers)[0] == expected


def test_admin_endpoint_refuses_http_functions_and_unknown_names(http_host: RunningDevHost) -> None:
    body = json.dumps({"input": ""}).encode()
    status, _, answer = request(f"{http_host.base_url}/admin/functions/greet", method="POST", body=body)
    assert status == 400
    assert "httpTrigger" in json.loads(answer)["error"]
    assert request(f"{http_host.base_url}/admin/functions/missing", method="POST", body=body)[0] == 404


def test_admin_endpoint_needs_master_key_when_keys_are_configured(keyed_host: RunningDevHost) -> None:
    body = json.dumps({"input": ""}).encode()
    url = f"{keyed_host.base_url}/admin/functions/greet"
    assert request(url, method="POST", body=body, headers={"x-functions-key": "fn-key"})[0] == 401
    assert request(url, method="POST", body=body, headers={"x-functions-key": "master-key"})[0] == 400


def test_describe_lists_every_function_with_its_trigger(http_host: RunningDevHost) -> None:
    lines: list[str] = http_host.host.describe()
    assert f"get_item: httpTrigger [DELETE,GET] {http_host.base_url}/api/items/{{id:int}}" in lines
    assert len(lines) == len(http_host.host.functions)




def test_route_prefix_from_host_json(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\n"
        "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
        "@app.route(route='ping')\n"
        "def ping(req: func.HttpRequest) -> str:\n"
        "    return 'pong'\n"
    )
    host_json = {"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}
    (tmp_path / "host.json").write_text(json.dumps(host_json))
    with running_devhost(tmp_path) as host:
        assert request(f"{host.base_url}/ping")[2] == b"pong"
        assert request(f"{host.base_url}/api/ping")[0] == 404
