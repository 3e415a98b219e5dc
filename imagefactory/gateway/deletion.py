"""Principle 3 at the last moment: may the source VM be deleted now?

The orchestrator only asks for the deletion when the request asked for it, the plan found the
opt-in tag and the verify step passed. The deleting activity checks again, against what Azure
says right now, because hours pass between planning and deletion: a tag can be removed, a region
can fail after the verify read. A deletion this refuses costs a retry; one it wrongly allows costs
the only copy of a machine.
"""

from __future__ import annotations

from imagefactory.gateway.facts import ImageFacts, VersionFacts, VmFacts
from imagefactory.opt_in import carries_delete_opt_in


def _succeeded(state: str | None) -> bool:
    return (state or "").lower() == "succeeded"


def deletion_refusal(
    vm: VmFacts,
    *,
    opt_in_tag: str,
    version: VersionFacts | None = None,
    image: ImageFacts | None = None,
    regions: list[str] | None = None,
) -> str | None:
    """Why `vm` must not be deleted now (None = it may): the opt-in tag and a verified image."""
    if not carries_delete_opt_in(vm.tags, opt_in_tag):
        return f"VM {vm.name!r} does not carry the tag {opt_in_tag}=true (any more)"
    if version is None and image is None:
        return "the image it became does not exist"
    if image is not None:
        if not _succeeded(image.provisioning_state):
            return f"managed image {image.id.rsplit('/', 1)[-1]} is {image.provisioning_state}, not Succeeded"
        return None
    assert version is not None
    if not _succeeded(version.provisioning_state):
        return f"version {version.name} is {version.provisioning_state}, not Succeeded"
    states = {r.region: r.state for r in (version.replication.regions if version.replication else [])}
    wanted = regions if regions else list(states)
    unfinished = [name for name in wanted if states.get(name) != "Completed"]
    if not wanted or unfinished:
        return f"version {version.name} is not Completed in: {', '.join(unfinished) or 'any region'}"
    return None
