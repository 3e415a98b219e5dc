"""Token buckets refilled by simulated time, ARM and Compute layers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from armsim.errors import ArmError, ConfigError
from armsim.throttling import Throttler

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_arm_reads_bucket_empties_then_refills_at_25_per_second():
    throttler = Throttler()
    for _ in range(250):
        throttler.admit(T0, "sub", "read", "galleries.get", None)
    with pytest.raises(ArmError) as err:
        throttler.admit(T0, "sub", "read", "galleries.get", None)
    assert err.value.status == 429
    assert err.value.code == "SubscriptionRequestsThrottled"
    assert err.value.headers["Retry-After"] == "1"
    admitted = throttler.admit(T0 + timedelta(seconds=1), "sub", "read", "galleries.get", None)
    assert admitted.headers["x-ms-ratelimit-remaining-subscription-reads"] == "24"


def test_per_vm_bucket_is_separate_per_resource():
    throttler = Throttler()
    for _ in range(12):
        throttler.admit(T0, "sub", "action", "virtualMachines.start", "vm-a")
    with pytest.raises(ArmError) as err:
        throttler.admit(T0, "sub", "action", "virtualMachines.start", "vm-a")
    assert err.value.code == "OperationNotAllowed"
    assert err.value.headers["Retry-After"] == "15"  # 4 tokens a minute
    assert (
        throttler.admit(T0, "sub", "action", "virtualMachines.start", "vm-b").headers[
            "x-ms-ratelimit-remaining-resource"
        ]
        == "Microsoft.Compute/UpdateVM3Min;11,Microsoft.Compute/UpdateVM30Min;1487"
    )


def test_refused_requests_take_no_tokens_and_disabled_admits_everything():
    throttler = Throttler()
    throttler.configure({"arm": {"writes": {"capacity": 1, "refill": 0}}})
    throttler.admit(T0, "sub", "write", "galleries.createOrUpdate", None)
    for _ in range(3):
        with pytest.raises(ArmError):
            throttler.admit(T0, "sub", "write", "galleries.createOrUpdate", None)
    throttler.configure({"enabled": False})
    assert throttler.admit(T0, "sub", "write", "galleries.createOrUpdate", None).headers == {}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"arm": {"bogus": {"capacity": 1, "refill": 1}}}, "throttling.arm.bogus"),
        (
            {"compute": {"LowCostGet": {"capacity": -1, "refill": 1}}},
            "throttling.compute.LowCostGet.capacity",
        ),
        ({"speed": 1}, "throttling.speed"),
    ],
)
def test_bad_throttling_config_names_the_field(config: dict[str, object], field: str):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        Throttler().configure(config)


@pytest.mark.parametrize(
    ("kind", "operation", "per_vm", "capacity", "retry_after", "target"),
    [
        # ARM, per subscription: bucket, one token back after 1/refill seconds.
        ("read", "galleries.get", False, 250, "1", "reads"),  # 25 a second
        ("write", "galleries.createOrUpdate", False, 200, "1", "writes"),  # 10 a second
        ("delete", "galleries.delete", False, 200, "1", "deletes"),  # 10 a second
        # Compute, per VM (the smaller bucket runs out first): bucket, refill a minute.
        ("write", "virtualMachines.createOrUpdate", True, 12, "15", "PutVM3Min"),  # 4 a minute
        ("action", "virtualMachines.runCommand", True, 12, "15", "UpdateVM3Min"),
        ("action", "virtualMachines.deallocate", True, 12, "15", "DeleteVM3Min"),
        ("delete", "virtualMachines.delete", True, 12, "15", "DeleteVM3Min"),
        ("read", "virtualMachines.instanceView", True, 36, "5", "LowCostGet3Min"),  # 12 a minute
        ("async_poll", "operations.get", True, 45, "4", "GetOperation3Min"),  # 15 a minute
        # Compute, per subscription only: lists.
        ("read", "virtualMachines.list", False, 900, "1", "HighCostGet30Min"),  # 300 a minute
    ],
)
def test_default_buckets_are_the_documented_sizes_and_refill_rates(
    kind: str, operation: str, per_vm: bool, capacity: int, retry_after: str, target: str
):
    throttler = Throttler()
    if operation == "virtualMachines.list":  # let the Compute bucket, not ARM's, run out
        throttler.configure({"arm": {"reads": {"capacity": 10_000, "refill": 10_000}}})
    for _ in range(capacity):
        throttler.admit(T0, "sub", kind, operation, "vm-a" if per_vm else None)
    with pytest.raises(ArmError) as err:
        throttler.admit(T0, "sub", kind, operation, "vm-a" if per_vm else None)
    assert err.value.status == 429
    assert err.value.headers["Retry-After"] == retry_after
    if target in ("reads", "writes", "deletes"):
        assert err.value.code == "SubscriptionRequestsThrottled"
        assert err.value.headers[f"x-ms-ratelimit-remaining-subscription-{target}"] == "0"
    else:
        assert err.value.details is not None and err.value.details[0]["target"] == target


def test_compute_subscription_bucket_spans_vms():
    """500 PUT VM a minute, 1,500 in the bucket, across every VM of the subscription."""
    throttler = Throttler()
    throttler.configure({"arm": {"writes": {"capacity": 10_000, "refill": 10_000}}})
    for index in range(1500):
        throttler.admit(T0, "sub", "write", "virtualMachines.createOrUpdate", f"vm-{index}")
    with pytest.raises(ArmError) as err:
        throttler.admit(T0, "sub", "write", "virtualMachines.createOrUpdate", "vm-new")
    assert err.value.details is not None and err.value.details[0]["target"] == "PutVM30Min"
    assert err.value.headers["Retry-After"] == "1"  # 500 a minute: a token every 0.12 s
    throttler.admit(T0 + timedelta(seconds=0.12), "sub", "write", "virtualMachines.createOrUpdate", "vm-new")
