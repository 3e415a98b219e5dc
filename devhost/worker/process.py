"""Starting one language-worker process, relaying what it prints, and ending it.

The host starts the worker as the platform does: the worker's interpreter, the host's address and
a fresh worker id on the command line, the app's settings as its environment and the app folder as
its working directory. Anything the worker prints to stdout/stderr (before its stream is up, or
from C extensions) is relayed line by line into the host's log, as the host does with a worker's
console output.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

LOGGER = logging.getLogger("devhost.worker.console")

WORKER_MODULE = "devhost.worker"
# The folder that holds the devhost package: the worker imports devhost.worker from there.
DEVHOST_ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """One started worker: its Popen, relay threads, and how it ended."""

    def __init__(
        self,
        *,
        worker_id: str,
        request_id: str,
        port: int,
        app_dir: Path,
        environment: Mapping[str, str],
        max_message_length: int,
        python: str | None = None,
    ) -> None:
        self.worker_id = worker_id
        command = [
            python or sys.executable, "-m", WORKER_MODULE,
            "--host", "127.0.0.1", "--port", str(port),
            "--workerId", worker_id, "--requestId", request_id,
            "--grpcMaxMessageLength", str(max_message_length),
        ]
        env = dict(environment)
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(DEVHOST_ROOT), env.get("PYTHONPATH", "")) if part
        )
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._popen = subprocess.Popen(
            command, cwd=str(app_dir), env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
        )
        self.pid = self._popen.pid
        self._relays = [
            threading.Thread(target=self._relay, args=(stream, level), daemon=True,
                             name=f"worker-{name}-{worker_id[:8]}")
            for stream, level, name in (
                (self._popen.stdout, logging.INFO, "stdout"),
                (self._popen.stderr, logging.WARNING, "stderr"),
            )
            if stream is not None
        ]
        for relay in self._relays:
            relay.start()

    def _relay(self, stream: IO[str], level: int) -> None:
        for line in stream:
            text = line.rstrip("\n")
            if text:
                LOGGER.log(level, "worker %s (pid %d): %s", self.worker_id[:8], self.pid, text)

    @property
    def exit_code(self) -> int | None:
        return self._popen.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self._popen.poll() is None:
            self._popen.kill()
        self._popen.wait()
        for relay in self._relays:
            relay.join(timeout=2)
