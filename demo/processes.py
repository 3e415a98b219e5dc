"""Start the stand-ins as child processes and stop them again, whatever happens.

Each child's output goes to a log file; the line that announces its address is read as it comes,
so a free port (0) can be used. Stopping sends SIGTERM (both stand-ins shut down cleanly on it)
and kills a child that does not exit in time: nothing the demo started outlives it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from demo.errors import DemoError

REPO = Path(__file__).resolve().parent.parent


class Child:
    """One child process with its log file and the URL it announced."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[str] = log_path.open("w", encoding="utf-8")
        self._announced = threading.Event()
        self._ready = threading.Event()
        self.url: str | None = None
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, name=f"{name}-log", daemon=True)

    def wait_for(self, pattern: str, ready_pattern: str | None, timeout: float) -> str:
        """Read output until `pattern` gives the URL (and `ready_pattern`, if any, appears)."""
        self._pattern = re.compile(pattern)
        self._ready_pattern = re.compile(ready_pattern) if ready_pattern else None
        self._reader.start()
        deadline = time.monotonic() + timeout
        for event in (self._announced, self._ready):
            while not event.wait(0.1):
                if self.process.poll() is not None:
                    raise DemoError(
                        f"{self.name} exited with code {self.process.returncode}; see {self.log_path}"
                    )
                if time.monotonic() > deadline:
                    raise DemoError(f"{self.name} did not start within {timeout:.0f} s; see {self.log_path}")
        assert self.url is not None
        return self.url

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
            self._log.flush()
            if not self._announced.is_set():
                match = self._pattern.search(line)
                if match:
                    self.url = match.group(1)
                    self._announced.set()
                    if self._ready_pattern is None:
                        self._ready.set()
            elif self._ready_pattern is not None and self._ready_pattern.search(line):
                self._ready.set()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._reader.is_alive():
            self._reader.join(2)
        self._log.close()


def child_env(settings: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **settings, "PYTHONUNBUFFERED": "1"}
    env.setdefault("PYTHONPATH", str(REPO))
    return env
