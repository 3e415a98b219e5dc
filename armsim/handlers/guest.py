"""What a run command does inside the simulated guest.

Only the commands the image pipeline sends have effects: Linux `waagent -deprovision+user`,
Windows `sysprep ... /generalize` (with /quit the VM keeps running and the guest's ImageState
moves to IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE when sysprep finishes; with /shutdown the VM
stops), and reading ImageState from the registry. Anything else "runs" and prints nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from armsim.errors import InvalidParameterError, OperationNotAllowedError
from armsim.handlers.common import enum_value
from armsim.models.vm import Sysprep, VirtualMachine
from armsim.timing import TimingModel

COMMANDS = ("RunShellScript", "RunPowerShellScript")
_DEPROVISION = re.compile(r"waagent\s+(-force\s+)?-deprovision(\+user)?", re.IGNORECASE)
_SYSPREP = re.compile(r"sysprep(\.exe)?\b.*?/generalize", re.IGNORECASE)
_IMAGE_STATE_READ = re.compile(r"Setup\\State", re.IGNORECASE)


@dataclass(frozen=True)
class ScriptResult:
    stdout: str
    stderr: str


def check_command(vm: VirtualMachine, command_id: str) -> str:
    command = enum_value(command_id, COMMANDS, "parameters.commandId")
    expected = "RunShellScript" if vm.os_type == "Linux" else "RunPowerShellScript"
    if command != expected:
        raise InvalidParameterError(
            f"Run command '{command}' is not supported for OS type '{vm.os_type}'; use '{expected}'.",
            target="parameters.commandId",
        )
    return command


def run_script(
    vm: VirtualMachine, command_id: str, script: list[str], now: datetime, timing: TimingModel
) -> ScriptResult:
    check_command(vm, command_id)
    text = "\n".join(script)
    out: list[str] = []
    if vm.os_type == "Linux" and _DEPROVISION.search(text):
        vm.linux_deprovisioned = True
        out.append(
            "WARNING! The waagent service will be stopped.\nWARNING! Cached DHCP leases will be deleted."
        )
    if vm.os_type == "Windows" and _SYSPREP.search(text):
        if vm.sysprep is not None:
            raise OperationNotAllowedError(
                "Sysprep has already been run on this VM; "
                "a generalized Windows image cannot be sysprepped again."
            )
        shutdown = "/shutdown" in text.lower()
        vm.sysprep = Sysprep(now, now + timedelta(seconds=timing.sysprep), shutdown=shutdown)
    if vm.os_type == "Windows" and _IMAGE_STATE_READ.search(text):
        out.append(vm.image_state(now))
    return ScriptResult(stdout="\n".join(out), stderr="")
