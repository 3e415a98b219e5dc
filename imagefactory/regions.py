"""Azure region names in the one form the product compares them in.

Requests, rollout files and ARM's own answers spell a region freely ("West US 2", "westus2");
ARM treats those as the same region, so every comparison and every name the product sends goes
through `normalize_region` first.
"""

from __future__ import annotations

import re

_REGION_NAME = re.compile(r"[a-z0-9]{1,64}")


def normalize_region(name: str) -> str:
    """Lower case, no spaces: "West US 2" -> "westus2"."""
    return name.replace(" ", "").lower()


def is_region_name(normalized: str) -> bool:
    """Whether an already normalized name has the shape of an Azure region name."""
    return _REGION_NAME.fullmatch(normalized) is not None
