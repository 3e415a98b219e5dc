"""Measurements that need a fresh interpreter, run as `python -m bench.probes NAME` by bench.cold_start.

Each probe prints one JSON object. Only the standard library is imported before the clock starts,
so an import time is the cost a cold Functions worker pays for the same import.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def import_app() -> dict[str, Any]:
    start = time.perf_counter()
    import function_app  # noqa: F401

    return {"seconds": time.perf_counter() - start}


def import_bare() -> dict[str, Any]:
    """The same packages' entry point with nothing registered: the floor any Durable app pays."""
    start = time.perf_counter()
    import azure.durable_functions as df

    df.DFApp()
    return {"seconds": time.perf_counter() - start}


def memory() -> dict[str, Any]:
    """RSS after importing the app, after importing the local stand-ins, and after one whole build."""
    import gc

    import function_app  # noqa: F401

    gc.collect()
    after_import = _rss()
    from bench.harness import armsim_for_pipeline, run_pipeline
    from bench.scenarios import Scenario, build_request, prepare

    gc.collect()
    after_standins = _rss()
    scenario = Scenario(3600.0, 3)
    with armsim_for_pipeline() as sim:
        run_pipeline(sim, build_request(prepare(sim, scenario), scenario))
    gc.collect()
    return {
        "after_import_bytes": after_import,
        "after_standins_import_bytes": after_standins,
        "after_pipeline_bytes": _rss(),
    }


PROBES = {"import-app": import_app, "import-bare": import_bare, "memory": memory}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in PROBES:
        print(f"usage: python -m bench.probes {{{'|'.join(PROBES)}}}", file=sys.stderr)
        return 2
    print(json.dumps(PROBES[argv[0]]()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
