"""Shared decoding for activities: ids from the payload, the process's gateway for them."""

from __future__ import annotations

from typing import Any

from imagefactory.gateway import ComputeGateway, gateway_for
from imagefactory.settings import get_settings


def gateway(subscription_id: str) -> ComputeGateway:
    return gateway_for(get_settings(), subscription_id)


def dump(value: Any) -> Any:
    """JSON form of a facts model (or None)."""
    return None if value is None else value.model_dump(mode="json")
