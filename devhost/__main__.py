"""`python -m devhost APP_DIR`: run a Functions app locally until Ctrl+C (or SIGTERM)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from devhost.clock import Clock, RealClock, ScaledClock, VirtualClock
from devhost.errors import DevHostError
from devhost.host import DevHost


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__)
    parser.add_argument("app_dir", type=Path, help="folder holding function_app.py (and host.json)")
    parser.add_argument("--port", type=int, default=7071, help="HTTP port (0 picks a free one; default 7071)")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (default 127.0.0.1)")
    parser.add_argument("--clock", choices=("real", "scaled", "virtual"), default="real")
    parser.add_argument("--scale", type=float, default=60.0, help="speed-up of --clock scaled (default 60)")
    parser.add_argument("--origin", type=_aware_datetime, default=None,
                        help="ISO-8601 time (with a UTC offset) a scaled clock starts from: simulated time = "
                        "origin + (now - origin) x scale, so processes given the same origin agree; "
                        "virtual: its start time")
    parser.add_argument("--store", type=Path, default=Path(".devhost") / "durable.sqlite",
                        help="SQLite file of the durable task hub (default .devhost/durable.sqlite)")
    parser.add_argument("--azurite", default="auto",
                        help="'auto' starts Azurite when needed, or a queue connection string to use")
    parser.add_argument("--function-key", action="append", default=[], help="require this key (repeatable)")
    parser.add_argument("--master-key", default=None, help="master key (admin routes and /admin/*)")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return parser.parse_args(argv)


def make_clock(kind: str, scale: float, origin: datetime | None) -> Clock:
    if kind == "scaled":
        # Anchored at the origin's own wall instant, so devhost and armsim started a few seconds
        # apart with the same --origin share one simulated time instead of drifting by gap x scale.
        anchor = None if origin is None else origin.timestamp()
        return ScaledClock(scale, origin_sim=origin, origin_wall=anchor)
    if kind == "virtual":
        return VirtualClock(origin)
    return RealClock()


async def serve(args: argparse.Namespace) -> None:
    args.store.parent.mkdir(parents=True, exist_ok=True)
    host = DevHost(
        args.app_dir,
        clock=make_clock(args.clock, args.scale, args.origin),
        http_port=args.port,
        http_host=args.host,
        store_path=args.store,
        azurite_connection=None if args.azurite == "auto" else args.azurite,
        function_keys=args.function_key,
        master_key=args.master_key,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await host.start()
    try:
        print(f"devhost: {args.app_dir.resolve()} on {host.base_url}", flush=True)
        if host.azurite_connection:
            print(f"devhost: queues on {host.azurite_connection}", flush=True)
        for line in host.describe():
            print(f"  {line}", flush=True)
        print("devhost: running; press Ctrl+C to stop", flush=True)
        await stop.wait()
    finally:
        print("devhost: stopping", flush=True)
        await host.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("azure").setLevel(logging.WARNING)  # the storage SDK logs every HTTP call at INFO
    try:
        asyncio.run(serve(args))
    except DevHostError as error:
        print(f"devhost: {error}", file=sys.stderr)
        return 2
    return 0


def _aware_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"--origin {text!r}: give a UTC offset, e.g. 2024-01-01T00:00:00+00:00"
        )
    return value


if __name__ == "__main__":
    sys.exit(main())
