"""The results file: when and where the run happened, every figure, and the verdict per target."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.targets import Verdict

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def document(
    figures: Mapping[str, Any],
    verdicts: Sequence[Verdict],
    *,
    quick: bool,
    wall_seconds: Mapping[str, float],
    now: datetime | None = None,
) -> dict[str, Any]:
    return {
        "date": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": quick,
        "wall_seconds": dict(wall_seconds),
        "figures": dict(figures),
        "targets": [verdict.as_dict() for verdict in verdicts],
    }


def write(doc: Mapping[str, Any], path: Path = RESULTS_PATH) -> Path:
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
