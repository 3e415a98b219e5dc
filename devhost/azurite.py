"""Start and stop the Azurite queue emulator (the real Azure Storage queue service, run locally).

Azurite is an npm package; `make deps` installs it under node_modules. The emulator is started on
a free port with a throw-away data folder, so parallel runs never share queues by accident.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from devhost.errors import AzuriteNotInstalledError, AzuriteStartError

ACCOUNT_NAME = "devstoreaccount1"
# Azurite's documented well-known development key (public, identical on every machine).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
EXECUTABLE = "azurite-queue"

_LISTENING = re.compile(r"listens on https?://[^:\s]+:(\d+)")


def queue_connection_string(port: int, host: str = "127.0.0.1") -> str:
    """The connection string for Azurite's queue service on host:port."""
    return (
        "DefaultEndpointsProtocol=http;"
        f"AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"QueueEndpoint=http://{host}:{port}/{ACCOUNT_NAME};"
    )


def find_azurite(search_from: list[Path] | None = None) -> Path:
    """node_modules/.bin/azurite-queue above the given folders (default: this repo and cwd), or PATH."""
    starts = search_from or [Path(__file__).resolve().parent, Path.cwd()]
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / "node_modules" / ".bin" / EXECUTABLE
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which(EXECUTABLE)
    if on_path:
        return Path(on_path)
    raise AzuriteNotInstalledError(
        f"{EXECUTABLE} not found in node_modules/.bin or on PATH: run `make deps` (or `npm ci`) "
        "in the repository root to install Azurite"
    )


class AzuriteQueue:
    """One Azurite queue-service process; use as a context manager or call start()/stop()."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, location: Path | None = None,
        executable: Path | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._location = location
        self._executable = executable
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self.port: int | None = None

    @property
    def connection_string(self) -> str:
        if self.port is None:
            raise AzuriteStartError("Azurite is not running: call start() first")
        return queue_connection_string(self.port, self.host)

    def start(self, timeout: float = 30.0) -> str:
        """Launch Azurite, wait until it accepts connections and return its connection string."""
        executable = self._executable or find_azurite()
        if self._location is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="azurite-")
            location = Path(self._tempdir.name)
        else:
            location = self._location
            location.mkdir(parents=True, exist_ok=True)
        command = [
            str(executable), "--queueHost", self.host, "--queuePort", str(self._requested_port),
            "--location", str(location), "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        port = self._wait_for_port(timeout)
        self._wait_for_connect(port, timeout)
        self.port = port
        return self.connection_string

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and remove its temporary data folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._drain is not None:
            self._drain.join(timeout)
            self._drain = None
        elif process is not None and process.stdout is not None:
            process.stdout.close()
        self.port = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> AzuriteQueue:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_for_port(self, timeout: float) -> int:
        """Read Azurite's output until it reports the port it listens on (it picks one for port 0)."""
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        found: list[int] = []
        seen: list[str] = []

        def reader() -> None:
            for line in stdout:
                seen.append(line.rstrip())
                match = _LISTENING.search(line)
                if match:
                    found.append(int(match.group(1)))
                    break

        thread = threading.Thread(target=reader, name="azurite-start", daemon=True)
        thread.start()
        thread.join(timeout)
        if not found:
            self.stop()
            raise AzuriteStartError(
                f"Azurite did not report a listening port within {timeout:.0f}s; output: {' | '.join(seen)}"
            )
        # Keep draining the pipe so a chatty emulator can never block on a full buffer.
        self._drain = threading.Thread(target=_drain, args=(stdout,), name="azurite-drain", daemon=True)
        self._drain.start()
        return found[0]

    def _wait_for_connect(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, port), timeout=1.0):
                    return
            except OSError as error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AzuriteStartError(f"Azurite on port {port} does not accept connections") from error
                time.sleep(0.05)


def _drain(stream: IO[str]) -> None:
    for _line in stream:
        pass
    stream.close()
