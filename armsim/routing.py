"""Routes: (method, path pattern) -> handler, with the operation name and request kind that the
request log, throttling and fault injection key on. Path segments match case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from armsim.backend import Backend
from armsim.errors import MethodNotAllowedError, NoRouteError
from armsim.http import ArmRequest, Reply

Handler = Callable[[Backend, ArmRequest], Reply]

_SEGMENT = r"[^/]+"
_PREFIX = (
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.Compute"
)
_LOCATIONS = (
    r"/subscriptions/(?P<subscription>[^/]+)/providers/Microsoft\.Compute/locations/(?P<location>[^/]+)"
)

KIND_BY_METHOD = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Handler
    kind: str


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, method: str, template: str, operation: str, handler: Handler, kind: str | None = None
    ) -> None:
        """`template` uses {name} placeholders; `{prefix}` and `{locations}` expand to the ARM scopes."""
        regex = template.replace("{prefix}", _PREFIX).replace("{locations}", _LOCATIONS)
        regex = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m.group(1)}>{_SEGMENT})", regex)
        self.routes.append(
            Route(
                method,
                re.compile(f"{regex}/?", re.IGNORECASE),  # fullmatch: `$` takes a trailing newline
                operation,
                handler,
                kind or KIND_BY_METHOD[method],
            )
        )

    def match(self, method: str, path: str) -> Match:
        path_matched = False
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return Match(route, found.groupdict())
        if path_matched:
            raise MethodNotAllowedError(f"The requested resource does not support http method '{method}'.")
        raise NoRouteError(f"The resource path '{path}' is not served by armsim (Microsoft.Compute subset).")
