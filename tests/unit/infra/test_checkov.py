"""checkov's Bicep policies pass on infra/, with every exception written down where it applies.

checkov runs from its own venv (.venv-checkov, made by `make deps`; CHECKOV names another
executable): its pins clash with this venv's pytest. Exceptions are inline
`// checkov:skip=<ID>: <reason>` comments inside the resource they excuse, so a new resource of
the same type is checked in full; a comment without a reason fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.unit.infra.bicep import INFRA, ROOT, load

CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))
SUPPRESSION = re.compile(r"//\s*checkov:skip=([A-Z0-9_]+)(?::\s*(.*))?")
MIN_REASON = 40  # characters: a reason says why the policy does not fit, not just "n/a"


def run_checkov(directory: Path) -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make deps` (it creates .venv-checkov)")
    completed = subprocess.run(
        [
            str(CHECKOV),
            "--framework",
            "bicep",
            "--skip-download",
            "-d",
            str(directory),
            "--compact",
            "--quiet",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=directory,
        check=False,
    )
    assert completed.returncode in (0, 1), (
        f"checkov crashed ({completed.returncode}): {completed.stderr[-2000:]}"
    )
    report = json.loads(completed.stdout)
    reports = report if isinstance(report, list) else [report]
    assert [r["check_type"] for r in reports] == ["bicep"], completed.stdout[:500]
    result: dict[str, Any] = reports[0]
    return result


def failures(report: dict[str, Any]) -> list[str]:
    return [
        f"{check['check_id']} {check['check_name']} ({check['file_path']} {check['resource']})"
        for check in report["results"].get("failed_checks", [])
    ]


def suppressions(directory: Path) -> list[tuple[str, str, str]]:
    """(file, check id, reason) of every inline checkov:skip comment."""
    found = []
    for path in sorted(directory.rglob("*.bicep")):
        for match in SUPPRESSION.finditer(path.read_text(encoding="utf-8")):
            found.append(
                (path.relative_to(directory).as_posix(), match.group(1), (match.group(2) or "").strip())
            )
    return found


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_checkov(INFRA)


def test_no_check_fails(report: dict[str, Any]) -> None:
    assert failures(report) == []
    assert report["summary"]["passed"] > 0


def test_every_template_was_parsed(report: dict[str, Any]) -> None:
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    declared = sum(len(t.resources()) for t in load(INFRA).values())
    assert summary["resource_count"] >= declared


def test_every_skip_is_inline_with_a_reason_and_used(report: dict[str, Any]) -> None:
    found = suppressions(INFRA)
    short = [(file, check) for file, check, reason in found if len(reason) < MIN_REASON]
    assert short == [], f"give these skips a reason of {MIN_REASON}+ characters"
    assert report["summary"]["skipped"] == len(found), "a skip comment no longer matches a failing check"
    assert not list(ROOT.glob(".checkov.y*ml")) and not list(INFRA.glob(".checkov.y*ml")), (
        "keep exceptions inline next to the resource they excuse"
    )


def test_a_removed_skip_makes_its_check_fail(tmp_path: Path) -> None:
    """The scan is live: drop the storage account's replication exception and CKV_AZURE_206 fails."""
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    storage = copy / "modules" / "storage.bicep"
    lines = storage.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if "checkov:skip=CKV_AZURE_206" not in line]
    assert len(kept) == len(lines) - 1
    storage.write_text("".join(kept), encoding="utf-8")
    assert [f.split()[0] for f in failures(run_checkov(copy))] == ["CKV_AZURE_206"]
