"""In-guest commands sent through Run Command to prepare a VM for generalization.

Linux: the Azure agent's own deprovision (removes the provisioned user, host keys, DHCP leases).
Windows: sysprep in VM mode; `/quit` leaves the VM running so the pipeline can read the image state
from the registry and see when sysprep has sealed the image, then deallocate it itself.
"""

from __future__ import annotations

LINUX_COMMAND_ID = "RunShellScript"
WINDOWS_COMMAND_ID = "RunPowerShellScript"

LINUX_DEPROVISION = ["sudo waagent -deprovision+user -force", "sync"]
WINDOWS_SYSPREP = [r"& $env:SystemRoot\System32\Sysprep\Sysprep.exe /generalize /oobe /quit /mode:vm"]
WINDOWS_READ_IMAGE_STATE = [
    r"(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State')"
    ".ImageState"
]
SYSPREP_DONE_STATE = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"


def deprovision_command(os_type: str) -> tuple[str, list[str]]:
    """(commandId, script) that deprovisions a guest of `os_type`."""
    if os_type.lower() == "windows":
        return WINDOWS_COMMAND_ID, list(WINDOWS_SYSPREP)
    return LINUX_COMMAND_ID, list(LINUX_DEPROVISION)


def sysprep_finished(stdout: str) -> bool:
    """True when the ImageState read from the registry says sysprep sealed the image."""
    return SYSPREP_DONE_STATE in stdout
