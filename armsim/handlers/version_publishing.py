"""What api-version 2025-03-03 adds to publishing a gallery image version:

- `publishingProfile.storageAccountStrategy`: PreferStandard_ZRS (the default from 2025-03-03 on,
  when neither it nor a top-level storageAccountType is given) stores each region's replicas on
  Standard_ZRS where the region has availability zones, else Standard_LRS; DefaultStandard_LRS
  stores them on Standard_LRS. A region's own storageAccountType wins. The strategy cannot be
  combined with a top-level storageAccountType, and cannot change after creation.
- `validationsProfile`: the Trusted Launch check of versions of definitions that support it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from armsim import refusals
from armsim.handlers.common import enum_value
from armsim.handlers.sources import SourceFacts
from armsim.ids import region_key
from armsim.models.gallery_image import GalleryImage
from armsim.models.image_version import ImageVersion, TargetRegion
from armsim.models.validation import VersionValidations
from armsim.timing import TimingModel

STRATEGIES = ("PreferStandard_ZRS", "DefaultStandard_LRS")
PREFER_ZRS = "PreferStandard_ZRS"
MODERN = "2025-03-03"  # first api-version with the strategy default and Trusted Launch defaults
# Public regions with availability zones (so with Standard_ZRS), as Azure lists them; a chosen,
# maintained list: armsim has no region service to ask.
ZONE_REGIONS = frozenset(
    {
        "australiaeast",
        "austriaeast",
        "brazilsouth",
        "canadacentral",
        "centralindia",
        "centralus",
        "chilecentral",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "koreacentral",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northeurope",
        "norwayeast",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southcentralus",
        "southeastasia",
        "spaincentral",
        "swedencentral",
        "switzerlandnorth",
        "uaenorth",
        "uksouth",
        "westeurope",
        "westus2",
        "westus3",
    }
)
TARGET = "galleryImageVersion.properties.publishingProfile"


def is_modern(api_version: str | None) -> bool:
    return (api_version or "") >= MODERN


def storage_strategy(profile: dict[str, Any], api_version: str | None) -> str | None:
    """The strategy a new version is published with (None: the top-level storageAccountType rules)."""
    requested = profile.get("storageAccountStrategy")
    if requested and profile.get("storageAccountType"):
        raise refusals.strategy_with_type()
    if requested:
        return enum_value(str(requested), STRATEGIES, f"{TARGET}.storageAccountStrategy")
    if not profile.get("storageAccountType") and is_modern(api_version):
        return PREFER_ZRS
    return None


def region_sku(strategy: str, region: str) -> str:
    return "Standard_ZRS" if strategy == PREFER_ZRS and region_key(region) in ZONE_REGIONS else "Standard_LRS"


def apply_strategy(strategy: str | None, regions: list[TargetRegion], raw_regions: Any) -> None:
    """Give each region that named no storageAccountType the one the strategy picks for it."""
    if strategy is None:
        return
    explicit = {
        region_key(str(item.get("name", "")))
        for item in (raw_regions if isinstance(raw_regions, list) else [])
        if isinstance(item, dict) and item.get("storageAccountType")
    }
    for region in regions:
        if region.key not in explicit:
            region.storage_account_type = region_sku(strategy, region.name)


def check_strategy_unchanged(version: ImageVersion, profile: dict[str, Any]) -> None:
    """Neither the strategy nor the top-level storage type can change; a version published with a
    strategy has no top-level type, so naming one is a change too."""
    requested = profile.get("storageAccountStrategy")
    if requested and profile.get("storageAccountType"):
        raise refusals.strategy_with_type()
    if requested and str(requested).lower() != (version.storage_account_strategy or "").lower():
        raise refusals.strategy_change()
    if version.storage_account_strategy is not None and profile.get("storageAccountType"):
        raise refusals.type_change()


def validations(
    definition: GalleryImage,
    facts: SourceFacts,
    published: datetime,
    api_version: str | None,
    timing: TimingModel,
) -> VersionValidations:
    """A Trusted Launch check runs for versions of definitions that support Trusted Launch (from
    api-version 2025-03-03 on, the default for new Gen2 definitions)."""
    checked = is_modern(api_version) and definition.security_type in (
        "TrustedLaunchSupported",
        "TrustedLaunchAndConfidentialVmSupported",
    )
    ends = published + timedelta(seconds=timing.trusted_launch_validation) if checked else None
    attributes = [
        {"name": f"source_image_{part}", "value": value}
        for part, value in (facts.platform_image or {}).items()
    ]
    return VersionValidations(published, ends, attributes)
