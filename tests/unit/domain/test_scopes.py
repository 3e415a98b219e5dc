"""The scopes allow-list: only named subscriptions/groups, fail closed, delete needs the VM's consent."""

from __future__ import annotations

import pytest

from imagefactory.exceptions import FieldError, ScopeConfigurationError
from imagefactory.request import BuildRequest
from imagefactory.scopes import AllowedScopes, Scope
from tests.unit.request.samples import (
    NOW,
    OTHER_SUBSCRIPTION,
    SUBSCRIPTION,
    gallery_request,
    managed_image_request,
    with_target,
)

REQUEST = BuildRequest.parse_obj_strict(gallery_request(), now=NOW)  # VM in rg-build, gallery in rg-images


def test_parse_accepts_every_separator_and_any_case() -> None:
    setting = (
        f" /SUBSCRIPTIONS/{SUBSCRIPTION.upper()}/resourcegroups/RG-Build ;\n"
        f"/subscriptions/{OTHER_SUBSCRIPTION}/, ,\n\n"
    )
    scopes = AllowedScopes.parse(setting)
    assert scopes.scopes == (Scope(SUBSCRIPTION, "RG-Build"), Scope(OTHER_SUBSCRIPTION))
    assert str(scopes.scopes[0]) == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/RG-Build"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("*", "'*' does not start with '/subscriptions/'"),
        (
            "/subscriptions/prod",
            "subscription id must be a GUID of 32 hexadecimal digits 0-9 a-f in the form "
            "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (no braces), got 'prod' (is 4 characters long)",
        ),
        (
            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute",
            f"'/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute' "
            "does not have the shape /subscriptions/{subscription-guid}/resourceGroups/{resource-group}",
        ),
    ],
)
def test_parse_rejects_what_is_not_a_scope(entry: str, reason: str) -> None:
    with pytest.raises(ScopeConfigurationError) as caught:
        AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION},{entry}")
    assert str(caught.value) == (
        f"IMAGEFACTORY_ALLOWED_SCOPES: {entry!r} is not /subscriptions/{{guid}} or "
        f"/subscriptions/{{guid}}/resourceGroups/{{name}} ({reason})"
    )


def test_empty_allow_list_allows_nothing_and_names_the_setting() -> None:
    for setting in ["", " ; \n,"]:
        assert AllowedScopes.parse(setting).check(REQUEST) == [
            FieldError(
                "source",
                "no_scopes_allowed",
                "no subscription or resource group is allowed yet: set IMAGEFACTORY_ALLOWED_SCOPES to the "
                "scopes Image Factory may use",
            )
        ]


def test_whole_subscription_allows_every_group_in_it() -> None:
    assert AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION}").check(REQUEST) == []


def test_each_named_resource_group_must_be_allowed() -> None:
    only_build = AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/RG-BUILD")
    assert only_build.check(REQUEST) == [
        FieldError(
            "target.gallery",
            "scope_not_allowed",
            f"the gallery's resource group /subscriptions/{SUBSCRIPTION}/resourceGroups/rg-images is outside "
            "the scopes allowed by IMAGEFACTORY_ALLOWED_SCOPES",
        )
    ]
    both = AllowedScopes.parse(
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-build;/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-images"
    )
    assert both.check(REQUEST) == []


def test_gallery_in_another_subscription_is_checked_there() -> None:
    document = gallery_request()
    document["target"]["gallery"]["subscription_id"] = OTHER_SUBSCRIPTION
    request = BuildRequest.parse_obj_strict(document, now=NOW)
    errors = AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION}").check(request)
    assert [(e.field, e.rule) for e in errors] == [("target.gallery", "scope_not_allowed")]
    assert OTHER_SUBSCRIPTION in errors[0].message


def test_source_outside_and_managed_image_outside_are_both_reported() -> None:
    request = BuildRequest.parse_obj_strict(
        with_target(managed_image_request(), subscription_id=OTHER_SUBSCRIPTION), now=NOW
    )
    errors = AllowedScopes.parse(f"/subscriptions/{OTHER_SUBSCRIPTION}/resourceGroups/other").check(request)
    assert [e.field for e in errors] == ["source", "target.resource_group"]
    assert errors[0].message.startswith(
        f"the source VM's resource group /subscriptions/{SUBSCRIPTION}/resourceGroups/rg-build is outside"
    )


def test_delete_needs_the_opt_in_tag_set_to_true() -> None:
    scopes = AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION}")
    refusal = FieldError(
        "delete_source_vm",
        "delete_not_opted_in",
        "the source VM must carry the tag imagefactory-allow-delete=true before Image Factory may delete it",
    )
    assert scopes.check_delete_opt_in({}) == refusal
    assert scopes.check_delete_opt_in({"imagefactory-allow-delete": "false"}) == refusal
    assert scopes.check_delete_opt_in({"imagefactory-allow-delete": "yes"}) == refusal
    assert scopes.check_delete_opt_in({"imagefactory-allow-delete": "true"}) is None
    assert scopes.check_delete_opt_in({"ImageFactory-Allow-Delete": "True"}) is None


def test_delete_opt_in_tag_name_is_a_setting() -> None:
    scopes = AllowedScopes.parse(f"/subscriptions/{SUBSCRIPTION}", delete_opt_in_tag="may-delete")
    assert scopes.check_delete_opt_in({"imagefactory-allow-delete": "true"}) is not None
    assert scopes.check_delete_opt_in({"may-delete": "true"}) is None
    with pytest.raises(ScopeConfigurationError, match="IMAGEFACTORY_DELETE_OPT_IN_TAG must not be empty"):
        AllowedScopes.parse("", delete_opt_in_tag=" ")
