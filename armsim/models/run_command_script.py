"""What a script run in the guest produced, how Azure reports it, and the log of every run.

Azure's action Run Command (`POST .../runCommand`) never reports the script's exit code:
- Linux (the RunCommandLinux extension) answers one status, `ProvisioningState/succeeded`, whose
  message is `Enable succeeded: \\n[stdout]\\n{stdout}\\n[stderr]\\n{stderr}` whatever the exit code
  (the extension "should not fail if script throws error"), each stream's last 4 KiB;
- Windows answers `ComponentStatus/StdOut/succeeded` and `ComponentStatus/StdErr/succeeded`.
The exit code is recorded in armsim's run-command log, where tests can read it.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso

TAIL_BYTES = 4 * 1024


@dataclass(frozen=True)
class ScriptOutcome:
    stdout: str
    stderr: str
    exit_code: int = 0


def tail(text: str, limit: int = TAIL_BYTES) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[-limit:].decode(errors="ignore")


def action_result(os_type: str, outcome: ScriptOutcome) -> dict[str, Any]:
    """The RunCommandResult body of the action Run Command, as each OS's extension reports it."""
    stdout, stderr = tail(outcome.stdout), tail(outcome.stderr)
    if os_type == "Linux":
        return {
            "value": [
                {
                    "code": "ProvisioningState/succeeded",
                    "level": "Info",
                    "displayStatus": "Provisioning succeeded",
                    "message": f"Enable succeeded: \n[stdout]\n{stdout}\n[stderr]\n{stderr}",
                }
            ]
        }
    return {
        "value": [
            {
                "code": f"ComponentStatus/{stream}/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "message": text,
            }
            for stream, text in (("StdOut", stdout), ("StdErr", stderr))
        ]
    }


@dataclass(frozen=True)
class RunRecord:
    """One script that ran (or was refused) in a VM's guest."""

    seq: int
    vm_id: str
    vm: str
    command_id: str
    script: list[str]
    started_at: datetime
    ends_at: datetime
    exit_code: int
    stdout: str
    stderr: str
    scripted: bool  # the outcome came from a `run_command_result` fault
    failed: str | None = None  # the operation's error code when the guest never ran it

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["started_at"] = iso(self.started_at)
        body["ends_at"] = iso(self.ends_at)
        return body


@dataclass
class RunCommandLog:
    """Every Run Command in order, for tests and the admin API (`GET /_armsim/run-commands`)."""

    _records: list[RunRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, **fields: Any) -> RunRecord:
        with self._lock:
            record = RunRecord(seq=len(self._records) + 1, **fields)
            self._records.append(record)
            return record

    def entries(self, vm: str | None = None, since: int = 0) -> list[RunRecord]:
        """Records after `since`; `vm` is a VM name or id (case-insensitive)."""
        wanted = vm.lower() if vm else None
        with self._lock:
            return [
                r
                for r in self._records
                if r.seq > since and (wanted is None or wanted in (r.vm.lower(), r.vm_id.lower()))
            ]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
