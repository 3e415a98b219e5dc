"""State machines evaluated lazily from time: replication windows, VM power transitions, operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from armsim.errors import ConfigError
from armsim.faults import Fault, FaultBook, parse_fault
from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle
from armsim.models.operations import AsyncOperation, Outcome, finishes_at
from armsim.models.replication import RegionReplication, aggregated_state
from armsim.models.vm import VirtualMachine
from armsim.timing import TimingModel

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_replication_progress_is_linear_and_freezes_on_failure():
    region = RegionReplication("eastus", at(100), at(200))
    assert [region.progress(at(s)) for s in (0, 100, 125, 150, 199, 200, 500)] == [0, 0, 25, 50, 99, 100, 100]
    assert [region.state(at(s)) for s in (50, 150, 200)] == ["Replicating", "Replicating", "Completed"]
    failing = RegionReplication("eastus", at(0), at(100), fails_at=at(40), failure_message="x")
    assert (failing.state(at(39)), failing.state(at(40))) == ("Replicating", "Failed")
    assert failing.progress(at(1000)) == 40


def test_aggregated_state():
    done = RegionReplication("a", at(0), at(10))
    running = RegionReplication("b", at(0), at(100))
    failed = RegionReplication("c", at(0), at(100), fails_at=at(5))
    assert aggregated_state([done, running], at(20)) == "InProgress"
    assert aggregated_state([done, failed], at(20)) == "Failed"
    assert aggregated_state([done], at(20)) == "Completed"
    assert aggregated_state([], at(20)) == "Unknown"


def test_vm_power_transition_settles_lazily():
    vm = VirtualMachine(
        Scope("s", "rg"), "vm", "westus", "Linux", "size", 30, [], "V2", "Standard", {}, Lifecycle(T0, T0)
    )
    vm.begin_transition("deallocating", "deallocated", at(40), at(0))
    assert vm.power_state(at(39)) == "deallocating"
    assert vm.provisioning_state(at(39)) == "Updating"
    assert vm.power_state(at(40)) == "deallocated"
    assert vm.provisioning_state(at(41)) == "Succeeded"


def test_operation_outcome_freezes_once_terminal():
    op = AsyncOperation("x", "sub", "westus", "compute", "2026-04-01", T0, finishes_at(at(10)), 30)
    assert op.outcome(at(5)).status == "InProgress"
    first = op.outcome(at(10))

    def must_not_be_asked(now: datetime) -> Outcome:
        raise AssertionError("a terminal outcome is frozen; the resolver is not consulted again")

    op.resolver = must_not_be_asked
    assert op.outcome(at(20)) is first
    body = op.status_body(at(20))
    assert body["status"] == "Succeeded" and "endTime" in body


def test_operation_urls_follow_the_compute_and_caps_styles():
    compute = AsyncOperation("x", "sub", "westus", "compute", "2026-04-01", T0, finishes_at(T0), 30)
    assert compute.path(False) == (
        f"/subscriptions/sub/providers/Microsoft.Compute/locations/westus/operations/{compute.op_id}"
        f"?p={compute.token}&api-version=2026-04-01"
    )
    assert compute.path(True).endswith("&monitor=true&api-version=2026-04-01")
    caps = AsyncOperation("x", "sub", "westus", "caps", "2026-03-03", T0, finishes_at(T0), 30)
    assert caps.path(True) == (
        f"/subscriptions/sub/providers/Microsoft.Compute/locations/westus/capsOperations/{caps.op_id}"
        "?monitor=true&api-version=2026-03-03"
    )


def test_timing_overrides_are_validated_by_name():
    timing = TimingModel()
    timing.update({"deallocate": 5, "storage_factors": {"Premium_LRS": 3}})
    assert timing.deallocate == 5
    assert timing.replication_seconds(10, 1, "Premium_LRS", False) == timing.replication_base + 10 * 2.0 * 3
    with pytest.raises(ConfigError, match=r"timings\.nope"):
        timing.update({"nope": 1})
    with pytest.raises(ConfigError, match=r"timings\.start"):
        timing.update({"start": -1})


def test_fault_book_counts_down_and_matches_resource_and_region():
    book = FaultBook()
    book.add(Fault("virtualMachines.get", resource="VM-A", remaining=2))
    book.add(Fault("*", kind="replication_failure", region="East US", remaining=None))
    assert book.take(("status",), "virtualMachines.get", "vm-b") is None
    assert book.take(("status",), "virtualMachines.get", "vm-a") is not None
    assert book.take(("status",), "virtualMachines.get", "vm-a") is not None
    assert book.take(("status",), "virtualMachines.get", "vm-a") is None
    for _ in range(3):
        assert (
            book.take(("replication_failure",), "galleryImageVersions.update", "1.0.0", "eastus") is not None
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "fault.operation"),
        ({"operation": "x", "status": 418}, "fault.status"),
        ({"operation": "x", "remaining": 0}, "fault.remaining"),
        ({"operation": "x", "kind": "replication_failure"}, "fault.region"),
        ({"operation": "x", "when": "now"}, "fault.when"),
    ],
)
def test_bad_faults_name_the_field(data: dict[str, object], field: str):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        parse_fault(data)


def test_429_fault_gets_a_retry_after_by_default():
    assert parse_fault({"operation": "x", "status": 429}).retry_after == 1
