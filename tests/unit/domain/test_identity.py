"""Deterministic instance ids: duplicates collide on purpose, different builds never do."""

from __future__ import annotations

import re
from typing import Any

from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.unit.request.samples import (
    NOW,
    SUBSCRIPTION,
    VM_ID,
    gallery_request,
    managed_image_request,
    with_target,
)

ALLOWED = re.compile(r"^[A-Za-z0-9-]{1,100}$")


def build(document: dict[str, Any]) -> BuildRequest:
    return BuildRequest.parse_obj_strict(document, now=NOW)


def iid(document: dict[str, Any]) -> str:
    instance_id = instance_id_for(build(document))
    assert ALLOWED.match(instance_id), instance_id
    return instance_id


def test_explicit_version_id_is_readable_and_stable() -> None:
    instance_id = iid(gallery_request())
    assert re.fullmatch(r"version-ubuntu-22-04-web-1-2-3-[0-9a-f]{16}", instance_id)
    assert iid(gallery_request()) == instance_id


def test_same_version_in_any_spelling_is_the_same_build() -> None:
    respelled = gallery_request(delete_source_vm=True, correlation_id="other-run")
    respelled["target"]["gallery"] = {
        "subscription_id": SUBSCRIPTION.upper(),
        "resource_group": "RG-Images",
        "name": "CORP_gallery",
    }
    assert iid(respelled) == iid(gallery_request())


def test_different_versions_definitions_or_galleries_differ() -> None:
    ids = {
        iid(gallery_request()),
        iid(with_target(gallery_request(), version="1.2.4")),
        iid(with_target(gallery_request(), definition={"name": "ubuntu-24.04-web"})),
        iid(with_target(gallery_request(), gallery={"resource_group": "rg-other", "name": "corp_gallery"})),
    }
    assert len(ids) == 4


def test_policy_with_correlation_id_follows_the_correlation_id() -> None:
    nightly = with_target(
        gallery_request(correlation_id="web@20260301T020000Z"), version={"policy": "next_patch"}
    )
    instance_id = iid(nightly)
    assert instance_id.startswith("build-ubuntu-22-04-web-web-20260301T020000Z-")
    retried = dict(nightly, delete_source_vm=True)
    assert iid(retried) == instance_id
    assert iid(dict(nightly, correlation_id="web@20260302T020000Z")) != instance_id
    other_definition = with_target(nightly, definition={"name": "win-2022"})
    assert iid(other_definition) != instance_id


def test_policy_without_correlation_id_hashes_the_canonical_request() -> None:
    request = with_target(gallery_request(), version={"policy": "next_patch"})
    duplicate = with_target(
        gallery_request(source=VM_ID.upper().replace(SUBSCRIPTION.upper(), SUBSCRIPTION)),
        version={"policy": "next_patch"},
    )
    assert iid(duplicate) == iid(request)
    assert iid(with_target(request, exclude_from_latest=True)) != iid(request)
    assert iid(dict(request, source=VM_ID.replace("vm-web-01", "vm-web-02"))) != iid(request)


def test_managed_image_follows_the_image_id() -> None:
    instance_id = iid(managed_image_request())
    assert re.fullmatch(r"image-web-image-[0-9a-f]{16}", instance_id)
    assert iid(with_target(managed_image_request(), resource_group="RG-IMAGES")) == instance_id
    assert iid(with_target(managed_image_request(), name="web-image-2")) != instance_id


def test_long_names_are_truncated_but_the_digest_keeps_builds_apart() -> None:
    def document(correlation_id: str) -> dict[str, Any]:
        return with_target(
            gallery_request(correlation_id=correlation_id),
            definition={"name": "d" * 80},
            version={"policy": "date"},
        )

    first = iid(document("c" * 127 + "1"))
    second = iid(document("c" * 127 + "2"))
    assert len(first) == len(second) == 100
    assert first[:-16] == second[:-16]  # the readable part is cut before the differing tail
    assert first != second
