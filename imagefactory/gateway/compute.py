"""ComputeGateway: every Azure call the product makes, each one short.

Reads return facts (or None for 404). Writes read the current state first and converge: a step
that already happened is reported (`OperationStarted.already`) instead of being repeated, which is
what makes activities safe to retry and messages safe to deliver twice. Long-running operations are
only STARTED (`polling=False`): the orchestrator waits for them on durable timers and reads state
again, so no activity holds a worker while Azure works.

Split by resource: VMs and guest commands (gateway.vms), galleries, definitions and versions
(gateway.galleries), managed images (gateway.images), the shared plumbing (gateway.base). Deleting
the source VM is here because it is the one call that needs all of them.
"""

from __future__ import annotations

import functools

from imagefactory.azure_client import compute_client
from imagefactory.exceptions import PermanentAzureError
from imagefactory.gateway.deletion import deletion_refusal
from imagefactory.gateway.facts import OperationStarted
from imagefactory.gateway.galleries import GalleryOperations
from imagefactory.gateway.images import ImageOperations
from imagefactory.gateway.quota import QuotaPolicy
from imagefactory.gateway.retry import BoundedRetryPolicy
from imagefactory.gateway.vms import VmOperations
from imagefactory.ids import ImageId, VersionId, VmId
from imagefactory.settings import Settings


class ComputeGateway(VmOperations, GalleryOperations, ImageOperations):
    """The product's only door to Azure Compute, for one subscription."""

    def start_delete_source_vm(
        self,
        vm: VmId,
        *,
        opt_in_tag: str,
        image_id: VersionId | ImageId,
        regions: list[str],
    ) -> OperationStarted:
        """Deletes the source VM only if it still opts in and its image is verified right now.

        The one way the product deletes a VM (imagefactory.gateway.deletion says why it re-checks).
        """
        facts = self.get_vm(vm)
        if facts is None:
            return OperationStarted(operation="delete", resource_id=str(vm), already="gone")
        if (facts.provisioning_state or "").lower() == "deleting":
            return OperationStarted(operation="delete", resource_id=str(vm), already="deleting")
        if isinstance(image_id, VersionId):
            refusal = deletion_refusal(
                facts, opt_in_tag=opt_in_tag, version=self.get_version(image_id), regions=regions
            )
        else:
            refusal = deletion_refusal(facts, opt_in_tag=opt_in_tag, image=self.get_image(image_id))
        if refusal is not None:
            raise PermanentAzureError("DeletionNotAllowed", f"source VM kept: {refusal}")
        return self._start(
            "delete",
            str(vm),
            lambda hook: self._client.virtual_machines.begin_delete(
                vm.resource_group, vm.name, polling=False, raw_response_hook=hook
            ),
        )


@functools.lru_cache(maxsize=64)
def _cached_gateway(
    endpoint: str, subscription_id: str, retry_total: int, max_inline_wait: float, timeout: int
) -> ComputeGateway:
    client = compute_client(
        subscription_id,
        endpoint,
        retry_policy=BoundedRetryPolicy(retry_total=retry_total, max_inline_wait=max_inline_wait),
        per_call_policies=[QuotaPolicy()],
        connection_timeout=timeout,
        read_timeout=timeout,
    )
    return ComputeGateway(client, subscription_id)


def gateway_for(settings: Settings, subscription_id: str) -> ComputeGateway:
    """The process's gateway for (ARM endpoint, subscription), built once and reused."""
    return _cached_gateway(
        settings.arm_endpoint,
        subscription_id.lower(),
        settings.http_retry_total,
        settings.http_max_inline_wait_seconds,
        settings.http_timeout_seconds,
    )
