"""Where the image goes: a gallery version (gallery, definition, version, replication) or a
managed image. Field types come from request_fields; rules that tie fields of one model together
(duplicate regions, Shallow replication limits, the definition identifier) live on that model and
report the exact sub-path of the value to change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from imagefactory.exceptions import FieldError
from imagefactory.ids import DefinitionId, GalleryId, ImageId, VersionId, VmId
from imagefactory.request_fields import (
    DefinitionName,
    Description,
    GalleryName,
    ImageName,
    Location,
    OfferOrSku,
    Publisher,
    ResourceGroupName,
    SubscriptionIdStr,
    Tags,
    VersionSpec,
    clock,
    rule,
)
from imagefactory.request_rules import duplicate_region_errors

MAX_REPLICAS_PER_REGION = 100
MAX_TARGET_REGIONS = 100
SHALLOW_STORAGE_TYPES = ("Standard_LRS", "Premium_LRS")
FIELD_RULES = "field_rules"

ReplicaCount = Annotated[StrictInt, Field(ge=1, le=MAX_REPLICAS_PER_REGION)]
StorageAccountType = Literal["Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"]
SecurityType = Literal[
    "Standard",
    "TrustedLaunchSupported",
    "TrustedLaunch",
    "ConfidentialVMSupported",
    "ConfidentialVM",
    "TrustedLaunchAndConfidentialVmSupported",
]


def raise_if_any(errors: list[FieldError]) -> None:
    """Cross-field rules report exact sub-paths through one pydantic error carrying FieldErrors."""
    if errors:
        raise PydanticCustomError(
            FIELD_RULES,
            "{summary}",
            {"summary": "; ".join(str(e) for e in errors), "field_errors": errors},
        )


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GalleryRef(Model):
    subscription_id: SubscriptionIdStr | None = Field(default=None, description="Default: the source VM's.")
    resource_group: ResourceGroupName
    name: GalleryName
    location: Location | None = Field(
        default=None, description="Only used when the gallery must be created; default: the VM's location."
    )


class DefinitionSpec(Model):
    """The image definition; fields left out are taken from the VM or the existing definition."""

    name: DefinitionName
    publisher: Publisher | None = None
    offer: OfferOrSku | None = None
    sku: OfferOrSku | None = None
    os_type: Literal["Linux", "Windows"] | None = None
    os_state: Literal["Generalized", "Specialized"] | None = None
    hyper_v_generation: Literal["V1", "V2"] | None = None
    architecture: Literal["x64", "Arm64"] | None = None
    security_type: SecurityType | None = None
    description: Description | None = Field(
        default=None, description="Free text; the one field that may hold line breaks and tabs."
    )

    @model_validator(mode="after")
    def _identifier_parts_go_together(self) -> Self:
        parts = {"publisher": self.publisher, "offer": self.offer, "sku": self.sku}
        given = [name for name, value in parts.items() if value is not None]
        if given and len(given) < len(parts):
            raise_if_any(
                [
                    FieldError(
                        name,
                        "identifier_incomplete",
                        "required when any of publisher, offer, sku is given (they identify the "
                        "definition together)",
                    )
                    for name in parts
                    if name not in given
                ]
            )
        return self


class TargetRegion(Model):
    name: Location
    replica_count: ReplicaCount | None = None
    storage_account_type: StorageAccountType | None = None
    exclude_from_latest: StrictBool | None = None


class Replication(Model):
    mode: Literal["Full", "Shallow"] = "Full"
    replica_count: ReplicaCount = 1
    storage_account_type: StorageAccountType = "Standard_LRS"
    target_regions: list[TargetRegion] = Field(default_factory=list, max_length=MAX_TARGET_REGIONS)

    @model_validator(mode="after")
    def _regions_unique_and_shallow_limits(self) -> Self:
        errors = duplicate_region_errors(self.region_names())
        if self.mode == "Shallow":
            errors.extend(self._shallow_errors())
        raise_if_any(errors)
        return self

    def _shallow_errors(self) -> list[FieldError]:
        """Shallow replication keeps one reference copy: one replica, LRS storage, everywhere."""
        errors: list[FieldError] = []
        counts = [("replica_count", self.replica_count)] + [
            (f"target_regions[{i}].replica_count", r.replica_count) for i, r in enumerate(self.target_regions)
        ]
        for path, count in counts:
            if count is not None and count != 1:
                errors.append(
                    FieldError(
                        path, "shallow_replica_count", f"must be 1 with Shallow replication, got {count}"
                    )
                )
        storages = [("storage_account_type", self.storage_account_type)] + [
            (f"target_regions[{i}].storage_account_type", r.storage_account_type)
            for i, r in enumerate(self.target_regions)
        ]
        for path, storage in storages:
            if storage is not None and storage not in SHALLOW_STORAGE_TYPES:
                errors.append(
                    FieldError(
                        path,
                        "shallow_storage_type",
                        f"must be Standard_LRS or Premium_LRS with Shallow replication, got {storage!r}",
                    )
                )
        return errors

    def region_names(self) -> list[str]:
        return [region.name for region in self.target_regions]


class GalleryTarget(Model):
    kind: Literal["gallery"]
    gallery: GalleryRef
    definition: DefinitionSpec
    version: VersionSpec = Field(
        description="Explicit 'Major.Minor.Patch' or a policy {policy: next_patch|next_minor|date, major}."
    )
    exclude_from_latest: StrictBool = False
    end_of_life: AwareDatetime | None = Field(
        default=None, description="Time-zone aware; must be in the future."
    )
    replication: Replication = Field(default_factory=Replication)
    allow_deletion_of_replicated_locations: StrictBool = False
    tags: Tags = Field(default_factory=dict)

    @field_validator("end_of_life")
    @classmethod
    def _end_of_life_in_future(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        now = clock(info)
        if value is not None and now is not None and value <= now:
            raise rule(
                "future",
                f"must be in the future, got {value.isoformat()} (now {now.isoformat(timespec='seconds')})",
            )
        return value

    def gallery_id(self, source: VmId) -> GalleryId:
        return GalleryId(
            self.gallery.subscription_id or source.subscription_id,
            self.gallery.resource_group,
            self.gallery.name,
        )

    def definition_id(self, source: VmId) -> DefinitionId:
        return self.gallery_id(source).definition(self.definition.name)

    def version_id(self, source: VmId) -> VersionId | None:
        """The version's id when the version is explicit; None when a policy picks it at run time."""
        if isinstance(self.version, str):
            return self.definition_id(source).version(self.version)
        return None


class ManagedImageTarget(Model):
    kind: Literal["managed_image"]
    subscription_id: SubscriptionIdStr | None = Field(default=None, description="Default: the source VM's.")
    resource_group: ResourceGroupName
    name: ImageName
    location: Location | None = Field(default=None, description="Default: the VM's location.")
    hyper_v_generation: Literal["V1", "V2"] | None = Field(default=None, description="Default: the VM's.")
    tags: Tags = Field(default_factory=dict)

    def image_id(self, source: VmId) -> ImageId:
        return ImageId(self.subscription_id or source.subscription_id, self.resource_group, self.name)


Target = Annotated[GalleryTarget | ManagedImageTarget, Field(discriminator="kind")]
TARGET_KINDS = ("gallery", "managed_image")
