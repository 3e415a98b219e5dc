"""`python -m devhost`: prints its URLs, serves until SIGINT, exits cleanly; refuses bad apps."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parents[4]


def test_cli_serves_the_app_until_interrupted(sample: Callable[[str], Path], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devhost", str(sample("host_http")), "--port", "0",
         "--store", str(tmp_path / "hub.sqlite"),
         "--clock", "virtual", "--origin", "2024-01-01T00:00:00+00:00"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        banner: list[str] = []
        for line in process.stdout:
            banner.append(line.rstrip())
            if "running" in line:
                break
        base = re.search(r"on (http://127\.0\.0\.1:\d+)", banner[0])
        assert base is not None, banner
        assert any(line.strip().startswith("greet: httpTrigger [GET]") for line in banner)
        with urllib.request.urlopen(f"{base.group(1)}/api/greet/cli", timeout=10) as response:
            assert response.read() == b"hello cli"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_cli_reports_a_refused_app_and_exits_non_zero(sample: Callable[[str], Path], tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "devhost", str(sample("host_unsupported")), "--port", "0",
         "--store", str(tmp_path / "hub.sqlite")],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )
    assert finished.returncode == 2
    assert "'on_upload'" in finished.stderr and "blobTrigger" in finished.stderr
