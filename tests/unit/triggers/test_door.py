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
