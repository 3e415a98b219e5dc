"""Command line: `python -m imagefactory submit request.json` and `python -m imagefactory schema`.

Exit codes: 0 done, 1 the queue could not be reached, 2 the request (or the command line) is
invalid. Errors go to stderr one per line, in the same words the queue trigger and the HTTP API use.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from imagefactory.exceptions import RequestValidationError, SubmitError
from imagefactory.identity import instance_id_for
from imagefactory.messages import RegionReadyMessage, result_message_schema
from imagefactory.request import BuildRequest
from imagefactory.rollout import RolloutFile
from imagefactory.submit import submit, validated

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


def _submit(args: argparse.Namespace) -> int:
    """Validate first: a sender learns what is wrong with the request before anything else."""
    try:
        text = sys.stdin.buffer.read() if args.request == "-" else Path(args.request).read_bytes()
    except OSError as error:
        print(f"error: cannot read {args.request}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        request = validated(text)
    except RequestValidationError as error:
        for field_error in error.errors:
            print(str(field_error), file=sys.stderr)
        return 2
    connection_string = args.connection_string or os.environ.get(CONNECTION_SETTING)
    if not connection_string:
        print(
            f"error: the request is valid; to send it, pass --connection-string or set {CONNECTION_SETTING}",
            file=sys.stderr,
        )
        return 2
    queue = args.queue or os.environ.get(QUEUE_SETTING) or DEFAULT_QUEUE
    try:
        message_id = submit(
            request, connection_string=connection_string, queue_name=queue, encoding=args.encoding
        )
    except RequestValidationError as error:  # a time-relative rule expired in between
        for field_error in error.errors:
            print(str(field_error), file=sys.stderr)
        return 2
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _submit(args) if args.command == "submit" else _schema(args)


if __name__ == "__main__":
    sys.exit(main())
