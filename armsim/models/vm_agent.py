"""A created VM's boot: when OS provisioning ends, when the guest agent reports Ready, and the
two boot failures armsim can script.

- Normal boot: provisioning Succeeded after `vm_create` seconds, agent Ready `vm_agent_ready`
  seconds later (and again that long after each start or restart).
- `agent_not_ready`: provisioning succeeds, the agent never reports (instance view "Not Ready",
  "VM Agent is unresponsive."); Run Command then fails with VMAgentStatusCommunicationError.
- `os_provisioning_timeout`: the guest never signals that OS provisioning finished; after
  `os_provisioning_timeout` seconds (CRP waits 40 minutes) the create operation fails with
  OSProvisioningTimedOut, provisioningState is Failed, the instance view carries
  `ProvisioningState/failed/OSProvisioningTimedOut` and the VM keeps running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from armsim.clock import iso

OS_PROVISIONING_TIMED_OUT = "OSProvisioningTimedOut"
AGENT_UNRESPONSIVE = "VM Agent is unresponsive."
AGENT_NOT_YET = "VM status blob is found but not yet populated."


def os_provisioning_timed_out(vm_name: str) -> dict[str, str]:
    return {
        "code": OS_PROVISIONING_TIMED_OUT,
        "message": (
            f"OS Provisioning for VM '{vm_name}' did not finish in the allotted time. The VM may still "
            "finish provisioning successfully. Please check provisioning state later. For details on how to "
            "check current provisioning state of Windows VMs, refer to https://aka.ms/WindowsVMLifecycle and "
            "Linux VMs, refer to https://aka.ms/LinuxVMLifecycle."
        ),
    }


def agent_status_communication_error(vm_name: str, os_type: str) -> dict[str, str]:
    guide = "vmextensionlinuxtroubleshoot" if os_type == "Linux" else "vmextensionwindowstroubleshoot"
    return {
        "code": "VMAgentStatusCommunicationError",
        "message": (
            f"VM '{vm_name}' has not reported status for VM agent or extensions. Verify that the OS is up "
            "and healthy, the VM has a running VM agent, and that it can establish outbound connections to "
            f"Azure storage. Please refer to https://aka.ms/{guide} for additional VM agent troubleshooting "
            "information."
        ),
    }


@dataclass
class Boot:
    """The boot timeline of a VM armsim created (seeded VMs have none: their agent is up)."""

    agent_ready_at: datetime | None  # None: the agent never reports
    error: dict[str, str] | None = None  # the create operation's error (OS provisioning)

    def agent_reports(self, now: datetime) -> bool:
        return self.agent_ready_at is not None and now >= self.agent_ready_at

    def unready_message(self, now: datetime, provisioned: bool) -> str:
        if not provisioned or self.agent_ready_at is not None:
            return AGENT_NOT_YET
        return AGENT_UNRESPONSIVE

    def provisioning_status(self, ready_at: datetime) -> dict[str, Any] | None:
        """The instance view's failed provisioning status, when OS provisioning timed out."""
        if self.error is None or self.error["code"] != OS_PROVISIONING_TIMED_OUT:
            return None
        return {
            "code": f"ProvisioningState/failed/{OS_PROVISIONING_TIMED_OUT}",
            "level": "Error",
            "displayStatus": "Provisioning failed",
            "message": self.error["message"],
            "time": iso(ready_at),
        }
