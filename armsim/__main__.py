"""`python -m armsim`: serve the simulator until SIGINT/SIGTERM.

The first stdout line is exactly `armsim listening on http://127.0.0.1:PORT`, so a parent process
can read the port it was given with `--port 0`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from armsim.backend import DEFAULT_TOKEN, Backend
from armsim.clock import Clock, RealClock, ScaledClock, VirtualClock
from armsim.errors import ConfigError
from armsim.handlers.admin_guest import seed_subnet
from armsim.seeding import seed_vm
from armsim.seeding_storage import register_blob, register_storage_account
from armsim.server import ThreadedServer


def _origin(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        origin = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(f"--origin: must be an ISO 8601 timestamp, got {text!r}") from err
    if origin.tzinfo is None:
        raise ConfigError("--origin: must carry a UTC offset, e.g. 2026-01-01T00:00:00+00:00")
    return origin


def build_clock(mode: str, scale: float, origin: datetime | None) -> Clock:
    if mode == "real":
        return RealClock()
    if mode == "scaled":
        # The origin is the wall instant the scaled clock starts from, not this process's start:
        # two processes given the same --origin (armsim and devhost) then agree to the second.
        return ScaledClock(scale, origin, None if origin is None else origin.timestamp())
    return VirtualClock(origin)


def load_seed(backend: Backend, path: Path) -> int:
    """Seed file: `{"vms": [...], "subnets": [...], "storage_accounts": [...], "blobs": [...]}`
    (each optional) or a bare list of VM specs; subnets take the fields of POST /_armsim/subnets.
    Returns the number of VMs seeded."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ConfigError(f"--seed: cannot read JSON from {path}: {err}") from err
    vms = data.get("vms", []) if isinstance(data, dict) else data
    accounts = data.get("storage_accounts", []) if isinstance(data, dict) else []
    blobs = data.get("blobs", []) if isinstance(data, dict) else []
    if not all(isinstance(part, list) for part in (vms, accounts, blobs)):
        raise ConfigError(
            "--seed: expected {'vms': [...], 'storage_accounts': [...], 'blobs': [...]} or a list"
        )
    for spec in vms:
        seed_vm(backend, spec)
    subnets = data.get("subnets", []) if isinstance(data, dict) else []
    if not isinstance(subnets, list):
        raise ConfigError("--seed: 'subnets' must be a list of subnet specs")
    for subnet in subnets:
        seed_subnet(backend, subnet)
    for spec in accounts:
        register_storage_account(backend, spec)
    for spec in blobs:
        register_blob(backend, spec)
    return len(vms)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m armsim", description="Local ARM Compute API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--clock", choices=("real", "scaled", "virtual"), default="real")
    parser.add_argument("--scale", type=float, default=1200.0, help="sim seconds per wall second")
    parser.add_argument(
        "--origin",
        default=None,
        help="ISO 8601 time (with offset) a scaled clock starts from: simulated time = origin + "
        "(now - origin) x scale, so processes given the same origin agree; virtual: its start time",
    )
    parser.add_argument(
        "--seed", type=Path, default=None, help="JSON file of VMs (subnets, storage accounts, blobs) to seed"
    )
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="bearer token accepted from clients")
    parser.add_argument("--no-throttling", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        clock = build_clock(args.clock, args.scale, _origin(args.origin))
        backend = Backend(clock, token=args.token, throttling=not args.no_throttling)
        if args.seed is not None:
            load_seed(backend, args.seed)
    except (ConfigError, ValueError) as err:
        print(f"armsim: {err}", file=sys.stderr)
        return 2
    server = ThreadedServer(backend, host=args.host, port=args.port)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"armsim listening on {server.endpoint}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
