"""HTTP route templates as the Functions host reads them (ASP.NET attribute-route syntax).

Supports literal segments, `{name}`, optional `{name?}`, defaults `{name=value}`, constraints such
as `{id:int}` or `{id:guid?}` (known ones restrict the match, others are tolerated), and the
catch-all `{*rest}`. Literals match case-insensitively, as in ASP.NET routing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from devhost.errors import BindingError

_PARAMETER = re.compile(r"\{([^{}]*)\}")
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "decimal": r"-?\d+(?:\.\d+)?",
    "double": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "bool": r"(?:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class RouteParameter:
    name: str
    pattern: str
    optional: bool
    default: str | None
    catch_all: bool


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled route; `match(path)` gives the route parameters or None."""

    template: str
    regex: re.Pattern[str] = field(repr=False)
    parameters: tuple[RouteParameter, ...]
    literal_length: int

    def match(self, path: str) -> dict[str, str] | None:
        found = self.regex.fullmatch(path.strip("/"))
        if found is None:
            return None
        values: dict[str, str] = {}
        for index, parameter in enumerate(self.parameters):
            value = found.group(f"p{index}")
            if value is not None and value != "":
                values[parameter.name] = value
            elif parameter.default is not None:
                values[parameter.name] = parameter.default
        return values

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key: literal routes before parameterised ones, catch-alls last."""
        catch_alls = sum(1 for p in self.parameters if p.catch_all)
        return (catch_alls, len(self.parameters), -self.literal_length)


def compile_route(template: str, *, where: str) -> RouteTemplate:
    """Compile one route template; malformed templates are a BindingError naming the function."""
    cleaned = template.strip().strip("/")
    parameters: list[RouteParameter] = []
    pieces: list[str] = []
    literal_length = 0
    segments = cleaned.split("/") if cleaned else []
    for position, segment in enumerate(segments):
        separator = "/" if position else ""
        whole = _PARAMETER.fullmatch(segment)
        if whole is not None:
            parameter = _parse_parameter(whole.group(1), template=template, where=where)
            group = f"(?P<p{len(parameters)}>{parameter.pattern})"
            parameters.append(parameter)
            if parameter.optional or parameter.default is not None or parameter.catch_all:
                pieces.append(f"(?:{separator}{group})?")
            else:
                pieces.append(separator + group)
            continue
        if "{" not in segment and "}" in segment:
            raise BindingError(f"{where}: route {template!r} has an unmatched '}}' in segment {segment!r}")
        parts: list[str] = []
        cursor = 0
        for found in _PARAMETER.finditer(segment):
            literal = segment[cursor:found.start()]
            parts.append(re.escape(literal))
            literal_length += len(literal)
            parameter = _parse_parameter(found.group(1), template=template, where=where)
            parts.append(f"(?P<p{len(parameters)}>{parameter.pattern})")
            parameters.append(parameter)
            cursor = found.end()
        tail = segment[cursor:]
        if "{" in tail or "}" in tail:
            raise BindingError(f"{where}: route {template!r} has an unbalanced brace in segment {segment!r}")
        parts.append(re.escape(tail))
        literal_length += len(tail)
        pieces.append(separator + "".join(parts))
    names = [p.name.lower() for p in parameters]
    if len(set(names)) != len(names):
        raise BindingError(f"{where}: route {template!r} repeats a parameter name")
    regex = re.compile("".join(pieces), re.IGNORECASE)
    return RouteTemplate(template=template, regex=regex, parameters=tuple(parameters),
                         literal_length=literal_length)


def _parse_parameter(body: str, *, template: str, where: str) -> RouteParameter:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    default: str | None = None
    if "=" in body:
        body, default = body.split("=", 1)
    optional = body.endswith("?")
    body = body.rstrip("?")
    name, *constraints = body.split(":")
    if not _NAME.match(name):
        raise BindingError(f"{where}: route {template!r} has an invalid parameter name {name!r}")
    pattern = ".*" if catch_all else "[^/]+"
    for constraint in constraints:
        known = _CONSTRAINTS.get(constraint.split("(")[0].lower())
        if known is not None:
            pattern = known
            break
    return RouteParameter(name=name, pattern=pattern, optional=optional, default=default, catch_all=catch_all)
