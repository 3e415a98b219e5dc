"""The door: validation, scopes and the delete opt-in tag, before anything starts."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from imagefactory.exceptions import RequestValidationError, ScopeConfigurationError
from imagefactory.ids import VmId
from imagefactory.settings import Settings
from tests.unit.request.samples import NOW, SUBSCRIPTION, gallery_request

SETTINGS = Settings.from_env({"IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}"})


def _tags(found: Mapping[str, str] | None) -> object:
    seen: list[VmId] = []

    def read(vm: VmId) -> Mapping[str, str] | None:
        seen.append(vm)
        return found

    read.seen = seen  # type: ignore[attr-defined]
    return read


def _rules(error: RequestValidationError) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.errors}


def test_valid_request_passes_without_reading_the_vm() -> None:
    from triggers.door import admit

    reader = _tags(None)
    request = admit(gallery_request(), settings=SETTINGS, read_tags=reader, now=NOW)  # type: ignore[arg-type]
    assert request.target.kind == "gallery"
    assert reader.seen == []  # type: ignore[attr-defined]


def test_empty_allow_list_fails_closed() -> None:
    from triggers.door import admit

    with pytest.raises(RequestValidationError) as refused:
        admit(gallery_request(), settings=Settings.from_env({}), read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]
    assert _rules(refused.value) == {("source", "no_scopes_allowed")}


def test_delete_needs_the_opt_in_tag_on_the_vm() -> None:
    from triggers.door import admit

    document = gallery_request(delete_source_vm=True)
    with pytest.raises(RequestValidationError) as refused:
        admit(document, settings=SETTINGS, read_tags=_tags({"owner": "ci"}), now=NOW)  # type: ignore[arg-type]
    assert _rules(refused.value) == {("delete_source_vm", "delete_not_opted_in")}
    allowed = admit(
        document,
        settings=SETTINGS,
        read_tags=_tags({"ImageFactory-Allow-Delete": "TRUE"}),  # type: ignore[arg-type]
        now=NOW,
    )
    assert allowed.delete_source_vm is True


def test_parse_errors_come_before_scope_checks() -> None:
    from triggers.door import admit

    with pytest.raises(RequestValidationError) as refused:
        admit(b'{"source": 1}', settings=SETTINGS, read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]
    assert ("source", "type") in _rules(refused.value)


def test_malformed_allow_list_is_a_configuration_error_not_a_rejection() -> None:
    from triggers.door import admit

    broken = Settings.from_env({"IMAGEFACTORY_ALLOWED_SCOPES": "everything"})
    with pytest.raises(ScopeConfigurationError):
        admit(gallery_request(), settings=broken, read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]


RESULT_SETTINGS = Settings.from_env(
    {
        "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
        "IMAGEFACTORY_RESULT_QUEUES": "ci-results",
    }
)


@pytest.mark.parametrize("queue", ["image-build-results", "ci-results"])
def test_results_go_to_configured_result_queues(queue: str) -> None:
    from triggers.door import admit

    request = admit(
        gallery_request(report={"results_queue": queue}),
        settings=RESULT_SETTINGS,
        read_tags=_tags(None),  # type: ignore[arg-type]
        now=NOW,
    )
    assert request.report.results_queue == queue


@pytest.mark.parametrize(
    ("queue", "why"),
    [
        ("image-builds", "is the build queue 'image-builds'"),
        ("image-builds-rejects", "is the build queue 'image-builds' or one of its -rejects/-poison queues"),
        ("image-builds-poison", "-poison"),
        ("imagefactory-control-03", "durable task hub"),
        ("imagefactory-workitems", "durable task hub"),
        ("someone-elses-queue", ""),
    ],
)
def test_results_never_go_to_the_apps_own_or_unlisted_queues(queue: str, why: str) -> None:
    from triggers.door import admit

    with pytest.raises(RequestValidationError) as refused:
        admit(
            gallery_request(report={"results_queue": queue}),
            settings=RESULT_SETTINGS,
            read_tags=_tags(None),  # type: ignore[arg-type]
            now=NOW,
        )
    [error] = refused.value.errors
    assert (error.field, error.rule) == ("report.results_queue", "results_queue_not_allowed")
    assert error.message.startswith(
        "must be a configured result queue: one of 'image-build-results', 'ci-results' "
        f"(IMAGEFACTORY_RESULTS_QUEUE, IMAGEFACTORY_RESULT_QUEUES), got {queue!r}"
    )
    assert why in error.message


def test_unknown_region_is_refused_before_the_vm_is_read_with_the_closest_names() -> None:
    from triggers.door import admit

    document = gallery_request(delete_source_vm=True)
    document["target"]["replication"] = {"target_regions": [{"name": "westeurop"}, {"name": "Narnia North"}]}
    reader = _tags({"imagefactory-allow-delete": "true"})
    with pytest.raises(RequestValidationError) as refused:
        admit(document, settings=SETTINGS, read_tags=reader, now=NOW)  # type: ignore[arg-type]
    assert [(e.field, e.rule) for e in refused.value.errors] == [
        ("target.replication.target_regions[0].name", "unknown_region"),
        ("target.replication.target_regions[1].name", "unknown_region"),
    ]
    assert refused.value.errors[0].message == (
        "must be a known Azure region: 'westeurop' is not a region of AzureCloud (Image Factory's region "
        "list of 2025-04-15); closest known: 'westeurope', 'westus', 'westus3'"
    )
    assert reader.seen == []  # type: ignore[attr-defined]


def test_sovereign_clouds_use_their_own_list_and_a_setting_extends_it() -> None:
    from triggers.door import admit

    china = Settings.from_env(
        {
            "IMAGEFACTORY_ALLOWED_SCOPES": f"/subscriptions/{SUBSCRIPTION}",
            "IMAGEFACTORY_ARM_ENDPOINT": "https://management.chinacloudapi.cn",
            "IMAGEFACTORY_EXTRA_REGIONS": "chinanorth9",
        }
    )
    document = gallery_request()
    for accepted in ("chinaeast2", "China North 9"):
        document["target"]["replication"] = {"target_regions": [{"name": accepted}]}
        admit(document, settings=china, read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]
    document["target"]["replication"] = {"target_regions": [{"name": "westeurope"}]}
    with pytest.raises(RequestValidationError, match="is not a region of AzureChinaCloud"):
        admit(document, settings=china, read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]


def test_subscription_locations_from_arm_replace_the_list_when_the_hook_answers() -> None:
    from triggers.door import admit

    asked: list[str] = []

    def locations(subscription_id: str) -> list[str] | None:
        asked.append(subscription_id)
        return ["westeurope"] if subscription_id == SUBSCRIPTION else None

    document = gallery_request()
    document["target"]["replication"] = {"target_regions": [{"name": "eastus"}]}
    with pytest.raises(RequestValidationError) as refused:
        admit(document, settings=SETTINGS, read_tags=_tags(None), read_locations=locations, now=NOW)  # type: ignore[arg-type]
    assert refused.value.errors[0].message == (
        "must be a known Azure region: 'eastus' is not a region of the locations of subscription "
        f"{SUBSCRIPTION}"
    )
    assert asked == [SUBSCRIPTION]
    # ARM not reachable: the maintained list stands
    no_answer = lambda _: None  # noqa: E731
    admit(document, settings=SETTINGS, read_tags=_tags(None), read_locations=no_answer, now=NOW)  # type: ignore[arg-type]


def test_a_request_model_is_checked_again_at_the_door() -> None:
    from imagefactory.request import BuildRequest
    from triggers.door import admit

    document = gallery_request(report={"results_queue": "image-builds"})
    request = BuildRequest.parse_obj_strict(document, now=NOW)
    with pytest.raises(RequestValidationError, match="must be a configured result queue"):
        admit(request, settings=SETTINGS, read_tags=_tags(None), now=NOW)  # type: ignore[arg-type]
