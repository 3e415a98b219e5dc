"""`python -m bench` (or `make bench`): run the benchmarks, print the tables, write bench/results.json.

python -m bench                       # everything (a few minutes)
python -m bench --quick               # fewer scenarios and repeats, 50 builds at scale
python -m bench --only replay_cost    # one benchmark (repeatable); see --help for names
python -m bench --markdown out.md     # also write the tables as Markdown (for the README)
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import cold_start, replay_cost, scale, time_to_image, worker_path
from bench.errors import BenchError
from bench.report import markdown, print_rich, tables
from bench.results import RESULTS_PATH, document, write
from bench.targets import evaluate

BENCHMARKS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "time_to_image": time_to_image.run,
    "replay_cost": replay_cost.run,
    "cold_start": cold_start.run,
    "scale": scale.run,
    "worker_path": worker_path.run,
}
ALIASES = {
    "overhead": "time_to_image",
    "requests": "time_to_image",
    "compute": "time_to_image",
    "replay": "replay_cost",
    "cold": "cold_start",
    "memory": "cold_start",
    "worker": "worker_path",
}


def selected(only: list[str] | None) -> list[str]:
    """Benchmark names in run order; unknown names are refused by name."""
    if not only:
        return list(BENCHMARKS)
    wanted: set[str] = set()
    for name in only:
        canonical = ALIASES.get(name, name)
        if canonical not in BENCHMARKS:
            known = ", ".join([*BENCHMARKS, *ALIASES])
            raise BenchError(f"--only {name!r}: unknown benchmark; known: {known}")
        wanted.add(canonical)
    return [name for name in BENCHMARKS if name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME", help=f"one of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="fewer scenarios, repeats and builds")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="results JSON path")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)  # the SDKs' per-call chatter is not a result
    try:
        names = selected(args.only)
        figures: dict[str, Any] = {}
        wall: dict[str, float] = {}
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            figures[name] = BENCHMARKS[name](args.quick)
            wall[name] = time.perf_counter() - start
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    verdicts = evaluate(figures)
    doc = document(figures, verdicts, quick=args.quick, wall_seconds=wall)
    path = write(doc, args.output)
    rendered = tables(figures, verdicts)
    print_rich(rendered)
    if args.markdown is not None:
        header = (
            f"Measured {doc['date']} on {doc['machine']['platform']}, {doc['machine']['cpu_count']} CPUs, "
            f"Python {doc['machine']['python']}{' (quick run)' if args.quick else ''}."
        )
        args.markdown.write_text(
            header + "\n\n" + "\n\n".join(markdown(t) for t in rendered) + "\n", encoding="utf-8"
        )
    print(f"results written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
