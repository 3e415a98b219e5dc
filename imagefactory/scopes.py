"""The allow-list of ARM scopes a request may touch (security at the door).

The app's identity usually holds rights far wider than any one build system should use, so
every request is checked against an explicit list of subscriptions and resource groups before an
orchestration starts. An empty list allows nothing: a forgotten setting fails closed, with an
error that names the setting to set. Deleting a source VM needs a second, per-VM consent: a tag
on the VM itself, which only someone who can write the VM could have put there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from imagefactory.exceptions import FieldError, ResourceIdError, ScopeConfigurationError
from imagefactory.ids import ResourceGroupId, normalize_guid
from imagefactory.opt_in import carries_delete_opt_in
from imagefactory.request import BuildRequest, GalleryTarget

ALLOWED_SCOPES_SETTING = "IMAGEFACTORY_ALLOWED_SCOPES"
DELETE_OPT_IN_TAG_SETTING = "IMAGEFACTORY_DELETE_OPT_IN_TAG"
DEFAULT_DELETE_OPT_IN_TAG = "imagefactory-allow-delete"
_SEPARATORS = re.compile(r"[,;\n\r]+")


@dataclass(frozen=True)
class Scope:
    """A subscription, or one resource group in it (`resource_group` None = the whole subscription)."""

    subscription_id: str
    resource_group: str | None = None

    @classmethod
    def parse(cls, text: str) -> Scope:
        parts = text.strip().rstrip("/").split("/")
        try:
            if len(parts) == 3 and parts[0] == "" and parts[1].lower() == "subscriptions":
                return cls(normalize_guid(parts[2]))
            group = ResourceGroupId.parse(text.strip())
        except ResourceIdError as error:
            raise ScopeConfigurationError(
                f"{ALLOWED_SCOPES_SETTING}: {text.strip()!r} is not /subscriptions/{{guid}} or "
                f"/subscriptions/{{guid}}/resourceGroups/{{name}} ({error})"
            ) from None
        return cls(group.subscription_id, group.resource_group)

    def contains(self, subscription_id: str, resource_group: str) -> bool:
        if self.subscription_id != subscription_id.lower():
            return False
        return self.resource_group is None or self.resource_group.lower() == resource_group.lower()

    def __str__(self) -> str:
        base = f"/subscriptions/{self.subscription_id}"
        return base if self.resource_group is None else f"{base}/resourceGroups/{self.resource_group}"


@dataclass(frozen=True)
class AllowedScopes:
    scopes: tuple[Scope, ...]
    delete_opt_in_tag: str = DEFAULT_DELETE_OPT_IN_TAG

    @classmethod
    def parse(cls, setting: str, *, delete_opt_in_tag: str = DEFAULT_DELETE_OPT_IN_TAG) -> AllowedScopes:
        """Scopes separated by commas, semicolons or newlines; blank entries are ignored."""
        entries = [entry for entry in _SEPARATORS.split(setting or "") if entry.strip()]
        if not delete_opt_in_tag.strip():
            raise ScopeConfigurationError(f"{DELETE_OPT_IN_TAG_SETTING} must not be empty")
        return cls(tuple(Scope.parse(entry) for entry in entries), delete_opt_in_tag.strip())

    def allows(self, subscription_id: str, resource_group: str) -> bool:
        return any(scope.contains(subscription_id, resource_group) for scope in self.scopes)

    def check(self, request: BuildRequest) -> list[FieldError]:
        """Every resource the request names must lie inside an allowed scope.

        The VM's delete opt-in tag cannot be seen from the request; callers that can read the VM
        call `check_delete_opt_in` too when `delete_source_vm` is set.
        """
        if not self.scopes:
            return [
                FieldError(
                    "source",
                    "no_scopes_allowed",
                    f"no subscription or resource group is allowed yet: set {ALLOWED_SCOPES_SETTING} "
                    "to the scopes Image Factory may use",
                )
            ]
        source = request.source_vm
        named: list[tuple[str, str, str, str]] = [
            ("source", source.subscription_id, source.resource_group, "source VM")
        ]
        target = request.target
        if isinstance(target, GalleryTarget):
            gallery = target.gallery_id(source)
            named.append(("target.gallery", gallery.subscription_id, gallery.resource_group, "gallery"))
        else:
            image = target.image_id(source)
            named.append(("target.resource_group", image.subscription_id, image.resource_group, "image"))
        return [
            FieldError(
                field,
                "scope_not_allowed",
                f"the {what}'s resource group /subscriptions/{sub}/resourceGroups/{group} is outside the "
                f"scopes allowed by {ALLOWED_SCOPES_SETTING}",
            )
            for field, sub, group, what in named
            if not self.allows(sub, group)
        ]

    def check_delete_opt_in(self, vm_tags: Mapping[str, str]) -> FieldError | None:
        """None when the VM carries `<tag>=true` (imagefactory.opt_in: the one rule for it)."""
        if carries_delete_opt_in(vm_tags, self.delete_opt_in_tag):
            return None
        return FieldError(
            "delete_source_vm",
            "delete_not_opted_in",
            f"the source VM must carry the tag {self.delete_opt_in_tag}=true before Image Factory may "
            "delete it",
        )
