"""Benchmark 5: cold start and memory of the Functions app.

A Flex Consumption instance starts a fresh worker that imports function_app.py before the first
message is served, and has 2 GB shared by everything on it. Measured in fresh interpreters:
- the import time of function_app.py (median of several runs) / that of a bare `df.DFApp()`
  with the same packages installed;
- the heaviest modules of the import (`python -X importtime`, self and cumulative time);
- resident memory after the import and after one whole in-process build (the in-process build
  also loads armsim and devhost, reported separately so the app's own growth can be seen).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.measure import median, ratio

REPO = Path(__file__).resolve().parents[1]
RUNS = 7
QUICK_RUNS = 3
PROBE_TIMEOUT = 120.0


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def probe(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.probes", name],
        cwd=REPO,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"probe {name} failed ({done.returncode}): {done.stderr.strip()[-1500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass(frozen=True)
class ImportLine:
    module: str
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[ImportLine]:
    """Lines of `python -X importtime`: 'import time: self [us] | cumulative | imported package'."""
    lines: list[ImportLine] = []
    for raw in stderr.splitlines():
        if not raw.startswith("import time:"):
            continue
        fields = raw[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        lines.append(ImportLine(fields[2].strip(), int(fields[0]), int(fields[1])))
    return lines


PROJECT_PACKAGES = frozenset({"function_app", "triggers", "orchestrators", "activities", "imagefactory"})


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def heaviest(lines: list[ImportLine], top: int = 5) -> dict[str, Any]:
    """The slowest modules by own time, and the heaviest libraries by cumulative time.

    Libraries are deduplicated by dotted name (a package hides its submodules); cumulative times of
    different libraries can still overlap when one imports the other.
    """
    by_self = sorted(lines, key=lambda line: line.self_us, reverse=True)[:top]
    libraries: list[ImportLine] = []
    for line in sorted(lines, key=lambda line: line.cumulative_us, reverse=True):
        if line.module.split(".")[0] in PROJECT_PACKAGES:
            continue
        if any(_related(line.module, chosen.module) for chosen in libraries):
            continue
        libraries.append(line)
        if len(libraries) == top:
            break
    return {
        "heaviest_self": [{"module": x.module, "seconds": x.self_us / 1e6} for x in by_self],
        "heaviest_libraries": [{"module": x.module, "seconds": x.cumulative_us / 1e6} for x in libraries],
    }


def heaviest_imports() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function_app"],
        cwd=REPO,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"-X importtime failed: {done.stderr.strip()[-1500:]}")
    lines = parse_importtime(done.stderr)
    if not lines:
        raise BenchError("-X importtime printed no import lines")
    return heaviest(lines)


def run(quick: bool = False) -> dict[str, Any]:
    runs = QUICK_RUNS if quick else RUNS
    app: list[float] = []
    bare: list[float] = []
    for _ in range(runs):  # interleaved, so drift on a noisy machine hits both alike
        app.append(float(probe("import-app")["seconds"]))
        bare.append(float(probe("import-bare")["seconds"]))
    memory = probe("memory")
    app_median, bare_median = median(app), median(bare)
    return {
        "runs": runs,
        "app_import_seconds": app_median,
        "bare_import_seconds": bare_median,
        "import_ratio": ratio(app_median, bare_median),
        **heaviest_imports(),
        **memory,
        "memory_ratio": ratio(memory["after_pipeline_bytes"], memory["after_import_bytes"]),
        "memory_ratio_with_standins": ratio(
            memory["after_pipeline_bytes"], memory["after_standins_import_bytes"]
        ),
    }
