"""Fault injection: make chosen operations fail the ways Azure fails.

A fault matches an operation name ("virtualMachines.deallocate", or "*"), optionally a resource
name and a region, and fires `remaining` times (None = until cleared). Kinds:
- status: answer with `status` (429 with Retry-After, 500, 503) instead of serving the request;
- drop: close the connection without an answer;
- delay: hold the answer for `delay_seconds` of wall time, then serve it;
- replication_failure: the region's replication fails ("Storage allocation failure");
- operation_failed: the request is accepted but its async operation ends Failed;
- run_command_result: a Run Command whose script contains `script_contains` (any script when
  unset) exits with `exit_code` and prints `stdout` / `stderr` (operation "virtualMachines.runCommand");
- agent_not_ready: the VM being created boots, but its guest agent never reports Ready;
- os_provisioning_timeout: the VM being created never finishes OS provisioning and fails with
  OSProvisioningTimedOut (both: operation "virtualMachines.createOrUpdate", resource = VM name).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from armsim.errors import ConfigError
from armsim.ids import region_key

KINDS = (
    "status",
    "drop",
    "delay",
    "replication_failure",
    "operation_failed",
    "run_command_result",
    "agent_not_ready",
    "os_provisioning_timeout",
)
BOOT_KINDS = ("agent_not_ready", "os_provisioning_timeout")
REQUEST_KINDS = ("status", "drop", "delay")
STATUS_CODES = (429, 500, 502, 503, 504)

REPLICATION_FAILURE_MESSAGE = (
    "Replication failed for this version in region '{region}'. Storage allocation failure. "
    "Please retry the operation."
)


@dataclass
class Fault:
    operation: str
    kind: str = "status"
    status: int = 503
    retry_after: float | None = None
    delay_seconds: float = 0.0
    resource: str | None = None
    region: str | None = None
    remaining: int | None = 1
    code: str | None = None
    message: str | None = None
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""
    script_contains: str | None = None

    def matches(
        self, operation: str, resource: str | None, region: str | None, text: str | None = None
    ) -> bool:
        if self.operation != "*" and self.operation.lower() != operation.lower():
            return False
        if self.script_contains is not None and (text is None or self.script_contains not in text):
            return False
        if self.resource is not None and (resource is None or self.resource.lower() != resource.lower()):
            return False
        return not (
            self.region is not None and (region is None or region_key(self.region) != region_key(region))
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(data: Any) -> Fault:
    """Build a Fault from admin JSON, naming the field and rule on bad input."""
    if not isinstance(data, dict):
        raise ConfigError("fault: must be a JSON object")
    allowed = {f for f in Fault.__dataclass_fields__}
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(f"fault.{sorted(unknown)[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")
    operation = data.get("operation")
    if not isinstance(operation, str) or not operation:
        raise ConfigError("fault.operation: required, e.g. 'virtualMachines.deallocate' or '*'")
    kind = data.get("kind", "status")
    if kind not in KINDS:
        raise ConfigError(f"fault.kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    status = data.get("status", 429 if kind == "status" else 503)
    if kind == "status" and status not in STATUS_CODES:
        raise ConfigError(f"fault.status: must be one of {STATUS_CODES}, got {status!r}")
    remaining = data.get("remaining", 1)
    if remaining is not None and (
        isinstance(remaining, bool) or not isinstance(remaining, int) or remaining < 1
    ):
        raise ConfigError(f"fault.remaining: must be an integer >= 1 or null (forever), got {remaining!r}")
    retry_after = data.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int | float) or retry_after < 0):
        raise ConfigError(f"fault.retry_after: must be a number of seconds >= 0, got {retry_after!r}")
    if kind == "status" and status == 429 and retry_after is None:
        retry_after = 1
    delay = data.get("delay_seconds", 0.0)
    if not isinstance(delay, int | float) or delay < 0:
        raise ConfigError(f"fault.delay_seconds: must be a number >= 0, got {delay!r}")
    if kind == "replication_failure" and data.get("region") is None:
        raise ConfigError("fault.region: required for kind 'replication_failure'")
    for name in ("resource", "region", "code", "message", "stdout", "stderr", "script_contains"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise ConfigError(f"fault.{name}: must be a string")
    exit_code = data.get("exit_code", 0)
    if isinstance(exit_code, bool) or not isinstance(exit_code, int) or not -(2**31) <= exit_code < 2**31:
        raise ConfigError(f"fault.exit_code: must be a 32-bit integer, got {exit_code!r}")
    return Fault(
        operation=operation,
        kind=kind,
        status=int(status),
        retry_after=None if retry_after is None else float(retry_after),
        delay_seconds=float(delay),
        resource=data.get("resource"),
        region=data.get("region"),
        remaining=remaining,
        code=data.get("code"),
        message=data.get("message"),
        exit_code=exit_code,
        stdout=data.get("stdout") or "",
        stderr=data.get("stderr") or "",
        script_contains=data.get("script_contains"),
    )


class FaultBook:
    """The armed faults; thread-safe, each firing consumes one of a fault's `remaining` count."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(
        self,
        kinds: tuple[str, ...],
        operation: str,
        resource: str | None = None,
        region: str | None = None,
        text: str | None = None,
    ) -> Fault | None:
        """Consume the first armed fault of `kinds` matching; `text` is a script, for `script_contains`."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(operation, resource, region, text):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None
