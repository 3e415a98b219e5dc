"""Pacing against armsim's ARM token buckets, through the real SDK: the gateway holds requests back
before Azure would refuse them, and lets them through again as the bucket refills on the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from armsim.testing import DEFAULT_SUBSCRIPTION, ArmsimHandle, running_armsim
from imagefactory.azure_client import compute_client
from imagefactory.exceptions import TransientAzureError
from imagefactory.gateway.compute import ComputeGateway
from imagefactory.gateway.quota import (
    ARM_BUCKETS,
    CODE,
    RESERVE_SHARE,
    QuotaBook,
    QuotaPolicy,
    orchestration_time,
)
from imagefactory.gateway.retry import BoundedRetryPolicy
from imagefactory.ids import GalleryId, VmId

RG = "rg-pace"


@pytest.fixture
def sim() -> Iterator[ArmsimHandle]:
    with running_armsim(throttling=True) as handle:
        yield handle


def gateway(sim: ArmsimHandle, book: QuotaBook | None) -> ComputeGateway:
    policies = [QuotaPolicy(book)] if book is not None else []
    client = compute_client(DEFAULT_SUBSCRIPTION, sim.endpoint, per_call_policies=policies,
                            retry_policy=BoundedRetryPolicy(retry_total=0, max_inline_wait=0))
    return ComputeGateway(client, DEFAULT_SUBSCRIPTION)


GALLERY = GalleryId.parse(f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{RG}/providers/"
                          "Microsoft.Compute/galleries/nowhere")


def reads(sim: ArmsimHandle, client: ComputeGateway, count: int, vm: VmId | None = None) -> list[str]:
    """`count` reads at one instant of the clock (of a gallery, which only ARM's buckets count, or of
    a VM, which Compute's windows count too); the outcome of each: ok, or the error code."""
    outcomes = []
    with orchestration_time(sim.clock.now()):
        for _ in range(count):
            try:
                client.get_vm(vm) if vm is not None else client.get_gallery(GALLERY)
                outcomes.append("ok")
            except TransientAzureError as error:
                outcomes.append(error.code)
    return outcomes


def test_without_pacing_a_burst_spends_the_bucket_and_draws_429s(sim: ArmsimHandle) -> None:
    outcomes = reads(sim, gateway(sim, None), 300)
    assert outcomes.count("ok") == int(ARM_BUCKETS["reads"].capacity)  # armsim's bucket is ARM's
    assert outcomes.count("SubscriptionRequestsThrottled") == 50


def test_paced_burst_stops_at_the_reserve_and_resumes_as_the_bucket_refills(sim: ArmsimHandle) -> None:
    client = gateway(sim, QuotaBook(jitter=0.0))
    outcomes = reads(sim, client, 300)
    reserve = RESERVE_SHARE * ARM_BUCKETS["reads"].capacity
    sent = outcomes.count("ok")
    # Held back once less than the reserve is left (after the answer saying 49), never refused by Azure.
    assert sent == ARM_BUCKETS["reads"].capacity - reserve + 1 and outcomes[sent:] == [CODE] * (300 - sent)
    assert not any(entry.status == 429 for entry in sim.requests())
    # Two seconds later 50 reads have come back into the bucket: about as many are let through.
    sim.advance(2)
    again = reads(sim, client, 100)
    assert 45 <= again.count("ok") <= 50 and not any(entry.status == 429 for entry in sim.requests())


def test_the_wait_given_is_the_time_to_refill_up_to_the_reserve(sim: ArmsimHandle) -> None:
    client = gateway(sim, QuotaBook(jitter=0.0))
    reads(sim, client, 201)
    with orchestration_time(sim.clock.now()), pytest.raises(TransientAzureError) as held:
        client.get_gallery(GALLERY)
    assert held.value.code == CODE and held.value.retry_after is not None
    assert 0 < held.value.retry_after <= 1 / ARM_BUCKETS["reads"].refill_per_second + 1e-9
    with orchestration_time(sim.clock.now() + timedelta(seconds=held.value.retry_after)):
        client.get_gallery(GALLERY)  # after that wait it goes through


def test_reads_of_one_vm_pause_before_computes_window_for_it_is_spent(sim: ArmsimHandle) -> None:
    vm = VmId.parse(sim.seed_vm("vm-hot", subscription=DEFAULT_SUBSCRIPTION, resource_group=RG,
                                location="westeurope"))
    other = VmId.parse(sim.seed_vm("vm-cold", subscription=DEFAULT_SUBSCRIPTION, resource_group=RG,
                                   location="westeurope"))
    client = gateway(sim, QuotaBook(jitter=0.0))
    outcomes = reads(sim, client, 60, vm)
    assert outcomes.count("ok") == 36 - 3 and set(outcomes[33:]) == {CODE}  # LowCostGet3Min: 36 per VM
    assert not any(entry.status == 429 for entry in sim.requests())
    assert reads(sim, client, 1, other) == ["ok"]  # another VM's window is its own
