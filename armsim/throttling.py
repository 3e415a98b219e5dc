"""Request throttling as ARM and the Compute resource provider apply it.

Two layers, both token buckets refilled by the simulation clock:
- ARM, per subscription: reads 250 (25/s), writes 200 (10/s), deletes 200 (10/s); remaining
  counts go out in `x-ms-ratelimit-remaining-subscription-reads|writes|deletes`.
- Compute, per policy (PutVM, UpdateVM, DeleteVM, LowCostGet, HighCostGet, GetOperation), per
  resource and per subscription, refilled per minute; reported in
  `x-ms-ratelimit-remaining-resource`.
An empty bucket answers 429 with Retry-After (seconds until a token is back) and the real body.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from armsim.clock import iso
from armsim.errors import ArmError, ConfigError, TooManyRequestsError


@dataclass
class Bucket:
    capacity: float
    refill_per_second: float
    tokens: float
    updated: datetime

    def refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = max(self.updated, now)

    def seconds_until_token(self) -> float:
        if self.tokens >= 1:
            return 0.0
        if self.refill_per_second <= 0:
            return math.inf
        return (1 - self.tokens) / self.refill_per_second


@dataclass(frozen=True)
class Limit:
    capacity: float
    refill_per_second: float


ARM_LIMITS: dict[str, Limit] = {
    "reads": Limit(250, 25),
    "writes": Limit(200, 10),
    "deletes": Limit(200, 10),
}


@dataclass(frozen=True)
class ComputePolicy:
    name: str
    per_resource: Limit | None
    per_subscription: Limit


def _per_minute(refill: float, bucket: float) -> Limit:
    return Limit(bucket, refill / 60.0)


COMPUTE_POLICIES: dict[str, ComputePolicy] = {
    "PutVM": ComputePolicy("PutVM", _per_minute(4, 12), _per_minute(500, 1500)),
    "UpdateVM": ComputePolicy("UpdateVM", _per_minute(4, 12), _per_minute(500, 1500)),
    "DeleteVM": ComputePolicy("DeleteVM", _per_minute(4, 12), _per_minute(500, 1500)),
    "LowCostGet": ComputePolicy("LowCostGet", _per_minute(12, 36), _per_minute(8000, 24000)),
    "HighCostGet": ComputePolicy("HighCostGet", None, _per_minute(300, 900)),
    "GetOperation": ComputePolicy("GetOperation", _per_minute(15, 45), _per_minute(5000, 15000)),
}

OPERATION_POLICIES: dict[str, str] = {
    "virtualMachines.createOrUpdate": "PutVM",
    "virtualMachines.start": "UpdateVM",
    "virtualMachines.restart": "UpdateVM",
    "virtualMachines.powerOff": "UpdateVM",
    "virtualMachines.generalize": "UpdateVM",
    "virtualMachines.runCommand": "UpdateVM",
    "virtualMachines.delete": "DeleteVM",
    "virtualMachines.deallocate": "DeleteVM",
    "virtualMachines.get": "LowCostGet",
    "virtualMachines.instanceView": "LowCostGet",
    "virtualMachines.list": "HighCostGet",
    "virtualMachines.listAll": "HighCostGet",
    "operations.get": "GetOperation",
}

ARM_CLASS_BY_KIND = {
    "read": "reads",
    "async_poll": "reads",
    "write": "writes",
    "action": "writes",
    "delete": "deletes",
}

THROTTLED_MESSAGE = (
    "The server rejected the request because too many requests have been received for this subscription."
)


class SubscriptionRequestsThrottledError(TooManyRequestsError):
    code = "SubscriptionRequestsThrottled"


class ComputeThrottledError(TooManyRequestsError):
    """The Compute provider's 429: its body is the bare error object, not wrapped in `error`
    (Microsoft's throttling troubleshooting page shows it so; azure-core reads either shape)."""

    code = "OperationNotAllowed"

    def envelope(self) -> dict[str, Any]:
        return dict(super().envelope()["error"])


@dataclass
class Admission:
    headers: dict[str, str]


class Throttler:
    """Decides whether a request is admitted and what remaining-quota headers it carries."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.arm_limits = dict(ARM_LIMITS)
        self.compute_policies = dict(COMPUTE_POLICIES)
        self._buckets: dict[tuple[str, ...], Bucket] = {}
        self._lock = threading.Lock()

    def configure(self, config: dict[str, Any]) -> None:
        for name, value in config.items():
            if name == "enabled":
                if not isinstance(value, bool):
                    raise ConfigError("throttling.enabled: must be true or false")
                self.enabled = value
            elif name == "arm":
                self.arm_limits.update(
                    _parse_limits("throttling.arm", value, set(ARM_LIMITS), per_minute=False)
                )
            elif name == "compute":
                # A policy's limit applies per resource where Compute counts per resource (per VM,
                # per operation), otherwise per subscription.
                limits = _parse_limits("throttling.compute", value, set(COMPUTE_POLICIES), per_minute=True)
                for policy, limit in limits.items():
                    old = self.compute_policies[policy]
                    if old.per_resource is not None:
                        self.compute_policies[policy] = dataclasses.replace(old, per_resource=limit)
                    else:
                        self.compute_policies[policy] = dataclasses.replace(old, per_subscription=limit)
            else:
                raise ConfigError(f"throttling.{name}: unknown setting; known: enabled, arm, compute")
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def admit(
        self, now: datetime, subscription: str, kind: str, operation: str, resource_key: str | None
    ) -> Admission:
        """Take tokens for one request or raise the 429 ArmError; a refused request takes nothing."""
        headers: dict[str, str] = {}
        if not self.enabled or kind == "admin":
            return Admission(headers)
        arm_class = ARM_CLASS_BY_KIND.get(kind)
        policy_name = OPERATION_POLICIES.get(operation)
        with self._lock:
            # (bucket, name of what it limits): an ARM class, or a Compute policy window.
            picks: list[tuple[Bucket, str]] = []
            if arm_class is not None:
                picks.append(
                    (self._bucket(("arm", subscription, arm_class), self.arm_limits[arm_class], now), "")
                )
            if policy_name is not None:
                policy = self.compute_policies[policy_name]
                sub_bucket = self._bucket(
                    ("compute", subscription, policy_name), policy.per_subscription, now
                )
                short = sub_bucket
                if policy.per_resource is not None and resource_key is not None:
                    short = self._bucket(
                        ("compute", subscription, policy_name, resource_key), policy.per_resource, now
                    )
                    picks.append((short, policy_name + "3Min"))
                picks.append((sub_bucket, policy_name + "30Min"))
            refused = next(((b, group) for b, group in picks if b.tokens < 1), None)
            if refused is None:
                for bucket, _ in picks:
                    bucket.tokens -= 1
            if arm_class is not None:
                headers[f"x-ms-ratelimit-remaining-subscription-{arm_class}"] = str(int(picks[0][0].tokens))
            if policy_name is not None:
                # Compute reports both windows on every answer, a throttled one included.
                headers["x-ms-ratelimit-remaining-resource"] = (
                    f"Microsoft.Compute/{policy_name}3Min;{int(short.tokens)},"
                    f"Microsoft.Compute/{policy_name}30Min;{int(sub_bucket.tokens)}"
                )
            if refused is not None:
                bucket, group = refused
                error = (
                    self._compute_error(group, bucket, now)
                    if group
                    else self._arm_error(subscription, str(arm_class), bucket)
                )
                error.headers.update(headers)
                raise error
        return Admission(headers)

    def _bucket(self, key: tuple[str, ...], limit: Limit, now: datetime) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = Bucket(limit.capacity, limit.refill_per_second, limit.capacity, now)
            self._buckets[key] = bucket
        bucket.refill(now)
        return bucket

    @staticmethod
    def _retry_after(bucket: Bucket) -> str:
        """Seconds until a token is back; a bucket configured never to refill says one hour."""
        return str(max(1, math.ceil(min(bucket.seconds_until_token(), 3600.0))))

    def _arm_error(self, subscription: str, arm_class: str, bucket: Bucket) -> ArmError:
        retry = self._retry_after(bucket)
        operation = {"reads": "read", "writes": "write", "deletes": "delete"}[arm_class]
        return SubscriptionRequestsThrottledError(
            f"Number of '{operation}' requests for subscription '{subscription}' actor 'armsim-local' "
            "exceeded. "
            f"Please try again after '{retry}' seconds after additional tokens are available. "
            "Refer to https://aka.ms/arm-throttling for additional information.",
            headers={"Retry-After": retry},
        )

    def _compute_error(self, group: str, bucket: Bucket, now: datetime) -> ArmError:
        """`group` is the policy and window, e.g. "LowCostGet3Min", as Compute names its target."""
        retry = self._retry_after(bucket)
        return ComputeThrottledError(
            THROTTLED_MESSAGE,
            details=[
                {
                    "code": "TooManyRequests",
                    "target": group,
                    "message": json.dumps(
                        {
                            "operationGroup": group,
                            "startTime": iso(now),
                            "endTime": iso(now + timedelta(seconds=int(retry))),
                            "allowedRequestCount": int(bucket.capacity),
                            "measuredRequestCount": int(bucket.capacity) + 1,
                        }
                    ),
                }
            ],
            headers={"Retry-After": retry},
        )


def _parse_limits(field: str, value: Any, known: set[str], per_minute: bool) -> dict[str, Limit]:
    if not isinstance(value, dict):
        raise ConfigError(f"{field}: must be an object of name -> {{capacity, refill}}")
    unit = "per minute" if per_minute else "per second"
    result: dict[str, Limit] = {}
    for name, spec in value.items():
        if name not in known:
            raise ConfigError(f"{field}.{name}: unknown; known: {', '.join(sorted(known))}")
        if not isinstance(spec, dict) or not {"capacity", "refill"} <= set(spec):
            raise ConfigError(f"{field}.{name}: must be {{'capacity': n, 'refill': n ({unit})}}")
        capacity, refill = spec["capacity"], spec["refill"]
        for part, number in (("capacity", capacity), ("refill", refill)):
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise ConfigError(f"{field}.{name}.{part}: must be a number >= 0, got {number!r}")
        result[name] = Limit(float(capacity), float(refill) / (60.0 if per_minute else 1.0))
    return result
