"""Shared decoding for activities: ids from the payload, the process's gateway for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imagefactory.gateway import ComputeGateway, gateway_for
from imagefactory.gateway.outcome import run_step
from imagefactory.settings import get_settings


def gateway(subscription_id: str) -> ComputeGateway:
    return gateway_for(get_settings(), subscription_id)


def dump(value: Any) -> Any:
    """JSON form of a facts model (or None)."""
    return None if value is None else value.model_dump(mode="json")


def gateway_step(subscription_id: str, call: Callable[[ComputeGateway], Any]) -> dict[str, Any]:
    """One gateway call for `subscription_id`, its facts as JSON in the activity envelope."""
    return run_step(lambda: dump(call(gateway(subscription_id))))
