"""`python -m demo [--scenario build|rollout]`: run Image Factory end to end on the local stand-ins.

build (default): seed a prepared VM, submit a build through the queue as a build system would,
watch it live and print the result message. rollout: fire the nightly rollout twice and drive the
HTTP API (plan, start, status, list, cancel). Exit code 0 only when the scenario succeeded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from rich.console import Console

from demo import build_scenario, rollout_scenario
from demo.errors import DemoError
from demo.rollout_scenario import write_rollout_file
from demo.stack import running_stack

DEFAULT_SCALE = 30.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--scenario", choices=("build", "rollout"), default="build")
    parser.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help=f"simulated seconds per wall second for armsim and devhost (default {DEFAULT_SCALE:g})",
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="wall seconds to wait for a build")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    started = time.monotonic()
    settings: dict[str, str] = {}
    rollout_folder = None
    if args.scenario == "rollout":
        import tempfile
        from pathlib import Path

        rollout_folder = tempfile.TemporaryDirectory(prefix="imagefactory-rollout-")
        settings["IMAGEFACTORY_ROLLOUT_FILE"] = str(write_rollout_file(Path(rollout_folder.name)))
    try:
        with running_stack(scale=args.scale, settings=settings) as stack:
            scenario = build_scenario if args.scenario == "build" else rollout_scenario
            ok = scenario.run(console, stack, timeout=args.timeout)
    except DemoError as error:
        console.print(f"[red]demo failed:[/] {error}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; everything the demo started was stopped[/]")
        return 130
    finally:
        if rollout_folder is not None:
            rollout_folder.cleanup()
    console.print(f"\ndemo {'succeeded' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s wall time")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
