"""Command line: `python -m imagefactory submit request.json` and `python -m imagefactory schema`.

Exit codes: 0 done, 1 the queue (or ARM, to read the VM's delete opt-in tag) could not be
reached, 2 the request is refused or the command line or settings are invalid. A refused request
is never sent: it meets the queue trigger's door (imagefactory.admission: validation, scope
allow-list, result queues, delete opt-in) under the app settings of the environment, or of
`--settings local.settings.json` (its Values; the environment wins). Errors go to stderr one per
line as `field: message`, in the same words the queue trigger and the HTTP API use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from imagefactory.admission import TagReader
from imagefactory.exceptions import (
    AzureCallError,
    RequestValidationError,
    ScopeConfigurationError,
    SettingsError,
    SubmitError,
)
from imagefactory.identity import instance_id_for
from imagefactory.json_input import MAX_BODY_BYTES, too_large
from imagefactory.messages import RegionReadyMessage, result_message_schema
from imagefactory.request import BuildRequest
from imagefactory.rollout import RolloutFile
from imagefactory.settings import Settings
from imagefactory.submit import admitted, send

CONNECTION_SETTING = "AzureWebJobsStorage"
QUEUE_SETTING = "IMAGEFACTORY_BUILD_QUEUE"
DEFAULT_QUEUE = "image-builds"
SCHEMA_DIRECTORY = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_FILES = {
    "build-request": "build-request.schema.json",
    "rollout": "rollout.schema.json",
    "build-result-message": "build-result-message.schema.json",
    "region-ready-message": "region-ready-message.schema.json",
}
_SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "build-request": BuildRequest.model_json_schema,
    "rollout": RolloutFile.model_json_schema,
    "build-result-message": result_message_schema,
    "region-ready-message": RegionReadyMessage.model_json_schema,
}


def schema_of(name: str) -> dict[str, Any]:
    """The JSON schema document named `name` (a key of SCHEMA_FILES), generated from the models."""
    schema = _SCHEMAS[name]()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_FILES[name], **schema}


def render_schema(name: str) -> str:
    """The exact text of the committed schema file (stable key order, trailing newline)."""
    return json.dumps(schema_of(name), indent=2, ensure_ascii=False) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m imagefactory", description="Image Factory tools")
    commands = parser.add_subparsers(dest="command", required=True)

    send = commands.add_parser("submit", help="validate a build request and put it on the build queue")
    send.add_argument("request", help="path of the request JSON file, or - for stdin")
    send.add_argument(
        "--connection-string", help=f"storage connection string (default: environment {CONNECTION_SETTING})"
    )
    send.add_argument(
        "--queue", help=f"queue name (default: environment {QUEUE_SETTING}, else {DEFAULT_QUEUE!r})"
    )
    send.add_argument(
        "--encoding", choices=["base64", "none"], default="base64", help="host.json messageEncoding (base64)"
    )
    send.add_argument(
        "--settings",
        metavar="FILE",
        help="read the app settings whose rules apply from a Functions local.settings.json (its Values; "
        "the environment wins)",
    )

    schema = commands.add_parser("schema", help="print the JSON schema of the build request")
    schema.add_argument("--rollout", action="store_true", help="print the rollout file schema instead")
    schema.add_argument(
        "--messages",
        action="store_true",
        help="print the schemas of the results queue's two message kinds instead",
    )
    schema.add_argument(
        "--write", action="store_true", help=f"write every schema file into {SCHEMA_DIRECTORY}"
    )
    return parser


def _read_request(name: str) -> bytes:
    """The request file (or stdin), read no further than one byte past the door's size limit."""
    if name == "-":
        body = sys.stdin.buffer.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise too_large(len(body), more_than=True)
        return body
    path = Path(name)
    if path.is_file() and path.stat().st_size > MAX_BODY_BYTES:
        raise too_large(path.stat().st_size)
    with path.open("rb") as file:
        return file.read(MAX_BODY_BYTES + 1)


def _environment(settings_file: str | None) -> dict[str, str]:
    """The environment, over the Values of a local.settings.json when one is named."""
    values: dict[str, str] = {}
    if settings_file:
        try:
            document = json.loads(Path(settings_file).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as error:
            raise SettingsError([f"--settings {settings_file}: cannot be read: {error}"]) from None
        found = document.get("Values") if isinstance(document, dict) else None
        if not isinstance(found, dict):
            raise SettingsError([f"--settings {settings_file}: has no 'Values' object"])
        values = {str(k): str(v) for k, v in found.items() if isinstance(v, str | int | float | bool)}
    return {**values, **os.environ}


def _print_errors(error: RequestValidationError) -> int:
    for field_error in error.errors:
        print(str(field_error), file=sys.stderr)
    return 2


def _submit(args: argparse.Namespace, *, read_tags: TagReader | None = None) -> int:
    """The door first: a sender learns why a request is refused before anything else, and a
    refused request is never sent."""
    try:
        text = _read_request(args.request)
    except OSError as error:
        print(f"error: cannot read {args.request}: {error.strerror}", file=sys.stderr)
        return 2
    except RequestValidationError as error:
        return _print_errors(error)
    try:
        environment = _environment(args.settings)
        settings = Settings.from_env(environment)
        request = admitted(text, settings=settings, read_tags=read_tags)
    except RequestValidationError as error:
        return _print_errors(error)
    except (SettingsError, ScopeConfigurationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except AzureCallError as error:
        print(
            f"error: the source VM could not be read to check its delete opt-in tag: {error}; "
            "nothing was sent",
            file=sys.stderr,
        )
        return 1
    connection_string = args.connection_string or environment.get(CONNECTION_SETTING)
    if not connection_string:
        print(
            f"error: the request is valid; to send it, pass --connection-string or set {CONNECTION_SETTING}",
            file=sys.stderr,
        )
        return 2
    queue = args.queue or environment.get(QUEUE_SETTING) or DEFAULT_QUEUE
    try:
        message_id = send(
            request, connection_string=connection_string, queue_name=queue, encoding=args.encoding
        )
    except SubmitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(message_id)
    # stdout stays the message id alone (scripts capture it); where to watch the build goes to stderr
    build_id = instance_id_for(request)
    print(f"build id: {build_id} (GET /api/builds/{build_id})", file=sys.stderr)
    return 0


def _schema(args: argparse.Namespace) -> int:
    if args.write:
        for name, filename in SCHEMA_FILES.items():
            (SCHEMA_DIRECTORY / filename).write_text(render_schema(name), encoding="utf-8")
            print(SCHEMA_DIRECTORY / filename)
        return 0
    if args.messages:
        for name in ("build-result-message", "region-ready-message"):
            sys.stdout.write(render_schema(name))
        return 0
    sys.stdout.write(render_schema("rollout" if args.rollout else "build-request"))
    return 0


def main(argv: Sequence[str] | None = None, *, read_tags: TagReader | None = None) -> int:
    """The command line; `read_tags` replaces the ARM read of the VM's tags (tests, other tooling)."""
    args = _parser().parse_args(argv)
    return _submit(args, read_tags=read_tags) if args.command == "submit" else _schema(args)


if __name__ == "__main__":
    sys.exit(main())
