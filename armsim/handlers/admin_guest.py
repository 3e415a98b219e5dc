"""Admin API for what a test VM needs around it: seeded subnets and the Run Command log.

- POST /_armsim/subnets `{subscription, resource_group, virtual_network, name, location,
  address_prefix?}` (address_prefix defaults to 10.0.0.0/24) answers 201 with the subnet resource;
  seeding an existing subnet replaces it.
- GET /_armsim/subnets: `{"subnets": [...]}` (each with its virtual network's `location`).
- GET /_armsim/run-commands[?vm=<name or id>][&since=<seq>]: `{"runs": [...]}`, every Run Command
  in order with its script, exit code, stdout and stderr.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from armsim.backend import Backend
from armsim.errors import ArmError, ConfigError
from armsim.http import ArmRequest, Reply
from armsim.ids import Scope, check_subscription, key
from armsim.models.network import Subnet

SUBNET_FIELDS = {"subscription", "resource_group", "virtual_network", "name", "location", "address_prefix"}


def seed_subnet(backend: Backend, spec: Any) -> Subnet:
    if not isinstance(spec, dict):
        raise ConfigError("subnet: must be a JSON object")
    unknown = set(spec) - SUBNET_FIELDS
    if unknown:
        raise ConfigError(
            f"subnet.{sorted(unknown)[0]}: unknown field; allowed: {', '.join(sorted(SUBNET_FIELDS))}"
        )
    values: dict[str, str] = {}
    for name in sorted(SUBNET_FIELDS - {"address_prefix"}):
        value = spec.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"subnet.{name}: required non-empty string")
        values[name] = value
    try:
        check_subscription(values["subscription"])
    except ArmError as err:
        raise ConfigError(f"subnet.subscription: must be a GUID ({err.message})") from err
    prefix = spec.get("address_prefix", "10.0.0.0/24")
    try:
        ipaddress.ip_network(str(prefix), strict=False)
    except ValueError as err:
        raise ConfigError(f"subnet.address_prefix: must be a CIDR block, got {prefix!r}") from err
    with backend.lock:
        subnet = Subnet(
            scope=Scope(values["subscription"], values["resource_group"]),
            virtual_network=values["virtual_network"],
            name=values["name"],
            location=values["location"],
            address_prefix=str(prefix),
            lifecycle=backend.lifecycle(0),
        )
        backend.subnets[key(subnet.id)] = subnet
    return subnet


def _listed(subnet: Subnet) -> dict[str, Any]:
    return {**subnet.to_resource(), "location": subnet.location}


def post_subnet(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(201, seed_subnet(backend, req.body).to_resource())


def get_subnets(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, {"subnets": [_listed(s) for s in backend.subnets.values()]})


def get_run_commands(backend: Backend, req: ArmRequest) -> Reply:
    since = req.query.get("since", "0")
    if not since.isdigit():
        raise ConfigError(
            f"run-commands.since: must be a non-negative integer sequence number, got {since!r}"
        )
    runs = backend.run_log.entries(req.query.get("vm"), int(since))
    return Reply(200, {"runs": [r.as_dict() for r in runs]})
