"""In-process armsim for test suites and benchmarks.

    with running_armsim() as sim:                      # virtual clock by default
        vm_id = sim.seed_vm(name="build-01", os_type="Linux")
        client = compute_client(SUB, sim.endpoint, transport=VirtualTimeTransport(sim.clock))
        client.virtual_machines.begin_deallocate("rg", "build-01").result()   # milliseconds

`VirtualTimeTransport` makes azure-core's LRO poller and retry policy advance the virtual clock
instead of sleeping, so the SDK's own blocking poller completes hour-long operations at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from azure.core.pipeline.transport import RequestsTransport

from armsim.backend import DEFAULT_TOKEN, Backend
from armsim.clock import Clock, VirtualClock
from armsim.errors import ConfigError
from armsim.faults import parse_fault
from armsim.handlers.admin_guest import seed_subnet
from armsim.models.run_command_script import RunRecord
from armsim.request_log import LogEntry
from armsim.seeding import seed_vm
from armsim.seeding_storage import register_blob, register_storage_account
from armsim.server import ThreadedServer

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "rg-imagefactory"


class VirtualTimeTransport(RequestsTransport):  # type: ignore[misc]
    """A requests transport whose `sleep` advances a VirtualClock instead of blocking."""

    def __init__(self, clock: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not hasattr(clock, "advance"):
            raise ConfigError(
                "VirtualTimeTransport: clock must be a VirtualClock (it needs advance(seconds))"
            )
        self.clock = clock
        self.slept: list[float] = []

    def sleep(self, duration: float) -> None:
        self.slept.append(duration)
        self.clock.advance(duration)


class ArmsimHandle:
    """A running armsim: its endpoint, its clock and an admin facade equal to the /_armsim/ API."""

    def __init__(self, backend: Backend, server: ThreadedServer) -> None:
        self.backend = backend
        self._server = server

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    @property
    def clock(self) -> Clock:
        return self.backend.clock

    def seed_vm(
        self,
        name: str,
        *,
        subscription: str = DEFAULT_SUBSCRIPTION,
        resource_group: str = DEFAULT_RESOURCE_GROUP,
        **spec: Any,
    ) -> str:
        """Seed a VM (see armsim.seeding.SEED_FIELDS) and return its resource id."""
        vm = seed_vm(
            self.backend,
            {"subscription": subscription, "resource_group": resource_group, "name": name, **spec},
        )
        return vm.id

    def seed_subnet(
        self,
        name: str,
        *,
        virtual_network: str,
        location: str,
        subscription: str = DEFAULT_SUBSCRIPTION,
        resource_group: str = DEFAULT_RESOURCE_GROUP,
        **spec: Any,
    ) -> str:
        """Seed a subnet (as POST /_armsim/subnets) and return its resource id."""
        body = {
            "subscription": subscription,
            "resource_group": resource_group,
            "virtual_network": virtual_network,
            "name": name,
            "location": location,
            **spec,
        }
        return seed_subnet(self.backend, body).id

    def run_commands(self, vm: str | None = None, since: int = 0) -> list[RunRecord]:
        """The Run Command log (as GET /_armsim/run-commands), optionally for one VM name or id."""
        return self.backend.run_log.entries(vm, since)

    def register_storage_account(
        self,
        name: str,
        *,
        subscription: str = DEFAULT_SUBSCRIPTION,
        resource_group: str = DEFAULT_RESOURCE_GROUP,
        **spec: Any,
    ) -> str:
        """Register a storage account (see armsim.seeding_storage) and return its resource id."""
        spec = {"subscription": subscription, "resource_group": resource_group, "name": name, **spec}
        return register_storage_account(self.backend, spec).id

    def register_blob(self, uri: str, *, storage_account_id: str, **spec: Any) -> str:
        """Register a blob (blob_type page|block, size_gb, vhd_footer, os_type) and return its URI."""
        return register_blob(self.backend, {"uri": uri, "storage_account_id": storage_account_id, **spec}).uri

    def set_fault(self, operation: str, **fields: Any) -> None:
        self.backend.faults.add(parse_fault({"operation": operation, **fields}))

    def clear_faults(self) -> None:
        self.backend.faults.clear()

    def set_timings(self, **timings: Any) -> None:
        with self.backend.lock:
            self.backend.timing.update(timings)

    def set_throttling(self, **config: Any) -> None:
        self.backend.throttler.configure(config)

    def requests(self, since: int = 0) -> list[LogEntry]:
        return self.backend.log.entries(since)

    def reset(self) -> None:
        self.backend.reset()

    def advance(self, seconds: float) -> None:
        advance = getattr(self.backend.clock, "advance", None)
        if advance is None:
            raise ConfigError("advance: armsim runs on a real or scaled clock, which cannot be moved")
        advance(seconds)


@contextmanager
def running_armsim(
    clock: Clock | None = None,
    *,
    token: str = DEFAULT_TOKEN,
    throttling: bool = True,
    timings: dict[str, Any] | None = None,
    port: int = 0,
) -> Iterator[ArmsimHandle]:
    """Start armsim on 127.0.0.1 (free port by default) for the duration of the block."""
    backend = Backend(
        clock if clock is not None else VirtualClock(), token=token, throttling=throttling, timings=timings
    )
    server = ThreadedServer(backend, port=port)
    server.start()
    try:
        yield ArmsimHandle(backend, server)
    finally:
        server.stop()
