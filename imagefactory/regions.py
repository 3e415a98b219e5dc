"""Azure region names: the one form the product compares them in, and which names exist.

Requests, rollout files and ARM's own answers spell a region freely ("West US 2", "westus2");
ARM treats those as the same region, so every comparison and every name the product sends goes
through `normalize_region` first. A region name is letters and digits, optionally written as
words separated by single spaces (ARM's display names); anything else is refused, not cleaned.

Which regions exist is a `RegionCatalog`. The door checks every region of a request against one
before any VM is touched (an unknown name is refused with the closest known names):
- `catalog_for(settings)`: the maintained list of the cloud that IMAGEFACTORY_ARM_ENDPOINT names
  (imagefactory/data/azure-regions.json: per-cloud lists with their source and date), plus the
  names in IMAGEFACTORY_EXTRA_REGIONS (a region Azure opened after the list was updated, a
  restricted region a subscription was granted, a cloud the file does not know);
- `subscription_catalog(locations, fallback)`: the locations ARM lists for the subscription,
  when the caller could read them (`LocationReader`, the hook for that ARM call), else the list.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imagefactory.text import quote

REGION_LIST_FILE = Path(__file__).resolve().parent / "data" / "azure-regions.json"
MAX_REGION_LENGTH = 64
# What a request may write: a name ("westus2") or a display name ("West US 2").
REGION_INPUT_PATTERN = "^[A-Za-z0-9]+(?: [A-Za-z0-9]+)*(?![\\s\\S])"
_REGION_INPUT = re.compile(REGION_INPUT_PATTERN)
_REGION_NAME = re.compile("[a-z0-9]{1,64}")
PUBLIC_CLOUD = "AzureCloud"
_SEPARATORS = re.compile(r"[\s,;]+")

# Reads the location names of one subscription from ARM; None when ARM could not be asked.
LocationReader = Callable[[str], Iterable[str] | None]


def normalize_region(name: str) -> str:
    """Lower case, no spaces: "West US 2" -> "westus2"."""
    return name.replace(" ", "").lower()


def is_region_name(normalized: str) -> bool:
    """Whether an already normalized name has the shape of an Azure region name."""
    return _REGION_NAME.fullmatch(normalized) is not None


def region_shape_problem(value: str) -> str | None:
    """None when `value` is written as a region name or display name, else the sentence."""
    if len(value) > MAX_REGION_LENGTH:
        return f"must be an Azure region name of at most {MAX_REGION_LENGTH} characters, got {quote(value)}"
    if _REGION_INPUT.fullmatch(value) is None:
        return (
            "must be an Azure region name such as 'westeurope' or 'West US 2' (ASCII letters and digits, "
            f"words separated by single spaces), got {quote(value)}"
        )
    return None


@dataclass(frozen=True)
class RegionCatalog:
    """The region names a request may use, and where that list came from (said in errors)."""

    names: frozenset[str]
    source: str

    def __contains__(self, normalized: object) -> bool:
        return normalized in self.names

    def closest(self, normalized: str, count: int = 3) -> list[str]:
        return difflib.get_close_matches(normalized, sorted(self.names), n=count, cutoff=0.6)

    def problem(self, value: str) -> str | None:
        """None when `value` (as written) names a known region, else the sentence with suggestions."""
        normalized = normalize_region(value)
        if normalized in self.names:
            return None
        near = self.closest(normalized)
        hint = f"; closest known: {', '.join(repr(n) for n in near)}" if near else ""
        return f"{quote(value)} is not a region of {self.source}{hint}"


@functools.lru_cache(maxsize=1)
def _region_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REGION_LIST_FILE.read_text(encoding="utf-8"))
    return data


def cloud_of(arm_endpoint: str) -> str | None:
    """The cloud whose ARM endpoint this is; loopback (the local simulator) stands for the public cloud."""
    from imagefactory.azure_client import is_loopback_url

    if is_loopback_url(arm_endpoint):
        return PUBLIC_CLOUD
    wanted = arm_endpoint.rstrip("/").lower()
    for name, cloud in _region_file()["clouds"].items():
        if str(cloud["endpoint"]).lower() == wanted:
            return str(name)
    return None


def builtin_catalog(cloud: str = PUBLIC_CLOUD) -> RegionCatalog:
    """The maintained list of `cloud` (empty for a cloud the file does not know)."""
    found = _region_file()["clouds"].get(cloud)
    if found is None:
        return RegionCatalog(
            frozenset(), f"the cloud {cloud!r} (no built-in list; set IMAGEFACTORY_EXTRA_REGIONS)"
        )
    return RegionCatalog(
        frozenset(found["regions"]), f"{cloud} (Image Factory's region list of {found['date']})"
    )


def parse_region_list(text: str) -> list[str]:
    """Names separated by commas, semicolons or whitespace, normalized; ValueError for a bad one."""
    names: list[str] = []
    for entry in _SEPARATORS.split(text or ""):
        if not entry:
            continue
        normalized = entry.lower()
        if not is_region_name(normalized):
            raise ValueError(f"{quote(entry)} is not a region name (letters and digits)")
        names.append(normalized)
    return names


def catalog_for(arm_endpoint: str, extra_regions: str = "") -> RegionCatalog:
    """The catalog the door uses for an app with this ARM endpoint and IMAGEFACTORY_EXTRA_REGIONS."""
    cloud = cloud_of(arm_endpoint)
    base = (
        builtin_catalog(cloud)
        if cloud is not None
        else RegionCatalog(frozenset(), f"the cloud of {arm_endpoint} (no built-in list)")
    )
    extra = parse_region_list(extra_regions)
    if not extra:
        return base
    return RegionCatalog(base.names | frozenset(extra), f"{base.source} and IMAGEFACTORY_EXTRA_REGIONS")


def default_catalog() -> RegionCatalog:
    """The public cloud's list: what a caller without settings checks against."""
    return builtin_catalog(PUBLIC_CLOUD)


def subscription_catalog(
    subscription_id: str, read_locations: LocationReader | None, fallback: RegionCatalog
) -> RegionCatalog:
    """The subscription's own locations when ARM answered, else `fallback` (the maintained list)."""
    if read_locations is None:
        return fallback
    locations = read_locations(subscription_id)
    if locations is None:
        return fallback
    names = frozenset(normalize_region(name) for name in locations)
    return RegionCatalog(names, f"the locations of subscription {subscription_id}")
