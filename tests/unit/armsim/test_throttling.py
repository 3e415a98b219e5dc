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
