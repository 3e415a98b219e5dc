"""Running a script in a VM's guest for the action Run Command (`POST .../runCommand`).

The guest's own effects (deprovision, sysprep, ImageState) come from armsim/handlers/guest.py; a
`run_command_result` fault scripts the outcome instead (exit code, stdout, stderr; the guest's
effects only happen when the scripted exit code is 0). A VM whose agent is not Ready accepts the
command and the operation fails with VMAgentStatusCommunicationError. Every run is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from armsim.backend import Backend
from armsim.handlers.guest import check_command, run_script
from armsim.models.run_command_script import ScriptOutcome, action_result
from armsim.models.vm import VirtualMachine
from armsim.models.vm_agent import agent_status_communication_error


@dataclass(frozen=True)
class Execution:
    output: dict[str, Any] | None
    error: dict[str, str] | None


def execute(
    backend: Backend, vm: VirtualMachine, command_id: str, script: list[str], now: datetime, ends: datetime
) -> Execution:
    text = "\n".join(script)
    check_command(vm, command_id)
    if not vm.agent_ready(now):
        error = agent_status_communication_error(vm.name, vm.os_type)
        _log(
            backend,
            vm,
            command_id,
            script,
            now,
            ends,
            ScriptOutcome("", ""),
            scripted=False,
            failed=error["code"],
        )
        return Execution(None, error)
    fault = backend.faults.take(
        ("run_command_result",), "virtualMachines.runCommand", vm.name, vm.location, text
    )
    if fault is not None and fault.exit_code != 0:
        outcome = ScriptOutcome(fault.stdout, fault.stderr, fault.exit_code)
    else:
        effects = run_script(vm, command_id, script, now, backend.timing)
        outcome = (
            ScriptOutcome(fault.stdout, fault.stderr, 0)
            if fault is not None
            else ScriptOutcome(effects.stdout, effects.stderr, 0)
        )
    _log(backend, vm, command_id, script, now, ends, outcome, scripted=fault is not None, failed=None)
    return Execution(action_result(vm.os_type, outcome), None)


def _log(
    backend: Backend,
    vm: VirtualMachine,
    command_id: str,
    script: list[str],
    now: datetime,
    ends: datetime,
    outcome: ScriptOutcome,
    scripted: bool,
    failed: str | None,
) -> None:
    backend.run_log.append(
        vm_id=vm.id,
        vm=vm.name,
        command_id=command_id,
        script=list(script),
        started_at=now,
        ends_at=ends,
        exit_code=outcome.exit_code,
        stdout=outcome.stdout,
        stderr=outcome.stderr,
        scripted=scripted,
        failed=failed,
    )
