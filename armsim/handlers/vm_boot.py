"""The boot of a VM armsim creates: its timeline, the boot failures faults script, and the
operation that reports it (see armsim/models/vm_agent.py for what each looks like)."""

from __future__ import annotations

from datetime import datetime, timedelta

from armsim.backend import Backend
from armsim.faults import BOOT_KINDS
from armsim.models.operations import FAILED, IN_PROGRESS, SUCCEEDED, Outcome, Resolver
from armsim.models.vm import VirtualMachine
from armsim.models.vm_agent import Boot, os_provisioning_timed_out


def plan_boot(backend: Backend, vm: VirtualMachine, now: datetime) -> None:
    """Consume a boot fault for this VM, if one is armed, and set its timeline."""
    fault = backend.faults.take(BOOT_KINDS, "virtualMachines.createOrUpdate", vm.name, vm.location)
    agent_delay = timedelta(seconds=backend.timing.vm_agent_ready)
    if fault is None:
        vm.boot = Boot(agent_ready_at=vm.lifecycle.ready_at + agent_delay)
    elif fault.kind == "agent_not_ready":
        vm.boot = Boot(agent_ready_at=None)
    else:
        vm.lifecycle.ready_at = now + timedelta(seconds=backend.timing.os_provisioning_timeout)
        vm.lifecycle.fails = True
        error = os_provisioning_timed_out(vm.name)
        if fault.message:
            error["message"] = fault.message
        vm.boot = Boot(agent_ready_at=None, error=error)


def creation_resolver(vm: VirtualMachine) -> Resolver:
    def resolve(at: datetime) -> Outcome:
        ready = vm.lifecycle.ready_at
        if at < ready:
            return Outcome(IN_PROGRESS)
        if vm.boot is not None and vm.boot.error is not None:
            return Outcome(FAILED, ready, error=dict(vm.boot.error))
        return Outcome(SUCCEEDED, ready)

    return resolve


def agent_restarts(backend: Backend, vm: VirtualMachine, running_at: datetime) -> None:
    """After a start or restart the agent reports again, unless it never does."""
    if vm.boot is not None and vm.boot.agent_ready_at is not None:
        vm.boot.agent_ready_at = running_at + timedelta(seconds=backend.timing.vm_agent_ready)
