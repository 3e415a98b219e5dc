"""`python -m devhost.worker --host H --port P --workerId W --requestId R`: one language worker.

The arguments are the ones the Functions host passes to a language worker it starts (both the
classic spelling and the `--functions-*` one the platform uses now are accepted).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import urlsplit

from devhost.worker.dispatcher import Connection, Dispatcher

CONNECT_TIMEOUT_SECONDS = 10.0


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost.worker", description=__doc__)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workerId", dest="worker_id")
    parser.add_argument("--requestId", dest="request_id")
    parser.add_argument("--grpcMaxMessageLength", dest="max_message_length", type=int)
    parser.add_argument("--functions-uri", dest="functions_uri")
    parser.add_argument("--functions-worker-id", dest="functions_worker_id")
    parser.add_argument("--functions-request-id", dest="functions_request_id")
    parser.add_argument("--functions-grpc-max-message-length", dest="functions_max_message_length", type=int)
    arguments = parser.parse_args(argv)
    if arguments.functions_uri:
        parts = urlsplit(arguments.functions_uri)
        arguments.host, arguments.port = parts.hostname, parts.port
    arguments.worker_id = arguments.functions_worker_id or arguments.worker_id
    arguments.request_id = arguments.functions_request_id or arguments.request_id
    arguments.max_message_length = arguments.functions_max_message_length or arguments.max_message_length
    missing = [name for name in ("host", "port", "worker_id", "request_id") if not getattr(arguments, name)]
    if missing:
        parser.error("missing " + ", ".join(f"--{name}" for name in missing))
    return arguments


async def serve(arguments: argparse.Namespace) -> None:
    connection = Connection(
        f"{arguments.host}:{arguments.port}", arguments.max_message_length, CONNECT_TIMEOUT_SECONDS
    )
    dispatcher = Dispatcher(
        connection, worker_id=arguments.worker_id, request_id=arguments.request_id, host=arguments.host
    )
    await dispatcher.run()


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    asyncio.run(serve(arguments))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
