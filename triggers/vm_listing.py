"""VM listings for rollout sweeps: one ARM list call per resource group, returning VM facts.

The compute gateway has no list of VMs yet; this uses the same client factory, bounded retry
policy and fact translation the gateway uses, so a sweep reads VMs exactly as the pipeline does.
Only id and tags matter to a sweep (the pipeline reads each VM again before touching it).
"""

from __future__ import annotations

import functools

from azure.core.exceptions import AzureError
from azure.mgmt.compute import ComputeManagementClient

from imagefactory.azure_client import compute_client
from imagefactory.gateway import VmFacts
from imagefactory.gateway.reading import as_json, vm_facts
from imagefactory.gateway.retry import BoundedRetryPolicy
from imagefactory.gateway.translate import to_azure_call_error
from imagefactory.ids import ResourceGroupId
from imagefactory.settings import Settings


@functools.lru_cache(maxsize=16)
def _client(
    endpoint: str, subscription_id: str, retry_total: int, max_wait: float, timeout: int
) -> ComputeManagementClient:
    return compute_client(
        subscription_id,
        endpoint,
        retry_policy=BoundedRetryPolicy(retry_total=retry_total, max_inline_wait=max_wait),
        connection_timeout=timeout,
        read_timeout=timeout,
    )


def list_vms(settings: Settings, group: ResourceGroupId) -> list[VmFacts]:
    """Every VM of `group` (AzureCallError when ARM refuses or cannot be reached)."""
    client = _client(
        settings.arm_endpoint,
        group.subscription_id,
        settings.http_retry_total,
        settings.http_max_inline_wait_seconds,
        settings.http_timeout_seconds,
    )
    try:
        return [vm_facts(as_json(item)) for item in client.virtual_machines.list(group.resource_group)]
    except AzureError as error:
        raise to_azure_call_error(error) from None
