"""The Bicep templates under infra/, parsed with pycep-parser, in a form the rules can read.

There is no Bicep compiler here, so the tests read the templates' syntax tree. pycep gives every
value as JSON: literals, and expressions as {"function": ...} / {"operator": ...} nodes.
`Template.render` turns any value back into one canonical line of text (`join(ids, ',')`,
`storage.outputs.name`), which is what the rules compare against: one readable string per
property instead of nested dictionaries. Identifiers and string literals look alike in pycep's
output; a string is rendered as an identifier when the template declares that name (parameter,
variable, resource, module, loop variable) and quoted otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[3]
INFRA = ROOT / "infra"
MAIN = "main.bicep"

_LOOP_NAMES = ("item_name", "index_name")


@functools.cache
def _parser() -> BicepParser:
    return BicepParser()


@dataclass(frozen=True)
class Resource:
    """One resource or module declaration, its loop and condition lifted out of the body."""

    symbol: str
    type: str
    body: Mapping[str, Any]
    condition: str | None
    loop: str | None


@dataclass(frozen=True)
class Template:
    name: str
    doc: Mapping[str, Any]

    @functools.cached_property
    def symbols(self) -> frozenset[str]:
        names: set[str] = set()
        for section in ("parameters", "variables", "resources", "modules", "outputs"):
            names.update(self.doc.get(section, {}))
        names.update(_loop_variables(self.doc))
        return frozenset(names)

    @property
    def parameters(self) -> Mapping[str, Any]:
        return dict(self.doc.get("parameters", {}))

    def variable(self, name: str) -> Any:
        return self.doc["variables"][name]["value"]

    def resolve(self, value: Any) -> Any:
        """A variable's value in place of its name (repeatedly), anything else unchanged."""
        variables = self.doc.get("variables", {})
        seen: set[str] = set()
        while isinstance(value, str) and value in variables and value not in seen:
            seen.add(value)
            value = variables[value]["value"]
        return value

    def resources(self, type_name: str | None = None) -> list[Resource]:
        return [r for r in self._declarations("resources") if type_name is None or r.type == type_name]

    def modules(self) -> list[Resource]:
        return self._declarations("modules")

    def module(self, symbol: str) -> Resource:
        found = [m for m in self.modules() if m.symbol == symbol]
        if not found:
            raise KeyError(f"{self.name} declares no module {symbol!r}")
        return found[0]

    def _declarations(self, section: str) -> list[Resource]:
        found = []
        for symbol, entry in self.doc.get(section, {}).items():
            body, condition, loop = _unwrap(entry["config"])
            type_name = entry["type"] if section == "resources" else entry["detail"]["path"]
            found.append(
                Resource(
                    symbol=symbol,
                    type=type_name,
                    body=body,
                    condition=None if condition is None else self.render(condition),
                    loop=None if loop is None else self.render(loop["detail"]["array_name"]),
                )
            )
        return found

    def render(self, node: Any) -> str:
        """One canonical line for any pycep value (see the module docstring)."""
        if node is None:
            return "null"
        if isinstance(node, bool):
            return "true" if node else "false"
        if isinstance(node, int | float):
            return str(node)
        if isinstance(node, str):
            return node if node in self.symbols else f"'{node}'"
        if isinstance(node, list):
            return "[" + ", ".join(self.render(item) for item in node) + "]"
        if set(node) == {"function"}:
            function = node["function"]
            arguments = [self.render(v) for v in (function.get("parameters") or {}).values() if v is not None]
            return f"{function['type']}({', '.join(arguments)})"
        if set(node) == {"operator"}:
            return self._render_operator(node["operator"])
        loop = _unwrap(node)
        if loop[2] is not None:
            body, _, spec = loop
            return (
                f"[for {spec['detail']['item_name']} in {self.render(spec['detail']['array_name'])}: "
                f"{self.render(body)}]"
            )
        return "{" + ", ".join(f"{key}: {self.render(value)}" for key, value in node.items()) + "}"

    def _render_operator(self, operator: Mapping[str, Any]) -> str:
        kind, operands = operator["type"], operator["operands"]
        values = list(operands.values())
        if kind == "property_accessor":
            return f"{self.render(values[0])}.{self._member(values[1])}"
        if kind == "index_accessor":
            return f"{self.render(values[0])}[{self.render(values[1])}]"
        if kind == "conditional":
            return (
                f"{self.render(operands['condition'])} ? {self.render(operands['true_value'])} : "
                f"{self.render(operands['false_value'])}"
            )
        if kind == "equals":
            return f"{self.render(values[0])} == {self.render(values[1])}"
        if kind == "not":
            return f"!{self.render(values[0])}"
        return f"{kind}({', '.join(self.render(v) for v in values)})"

    def _member(self, node: Any) -> str:
        if isinstance(node, str):
            return node
        if (
            isinstance(node, dict)
            and set(node) == {"operator"}
            and node["operator"]["type"] == "property_accessor"
        ):
            first, second = node["operator"]["operands"].values()
            return f"{self._member(first)}.{self._member(second)}"
        return self.render(node)


def _unwrap(config: Any) -> tuple[Any, Any, Any]:
    """(body, condition, loop spec) of a declaration's config; pycep nests loops and conditions."""
    condition = loop = None
    while (
        isinstance(config, dict)
        and "config" in config
        and set(config) <= {"config", "condition", "loop_type"}
    ):
        if config.get("condition") is not None:
            condition = config["condition"]
        if config.get("loop_type") is not None:
            loop = config["loop_type"]
        config = config["config"]
    return config, condition, loop


def _loop_variables(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "loop_type" in node and isinstance(node["loop_type"], dict):
            detail = node["loop_type"].get("detail", {})
            yield from (detail[key] for key in _LOOP_NAMES if isinstance(detail.get(key), str))
        for value in node.values():
            yield from _loop_variables(value)
    elif isinstance(node, list):
        for value in node:
            yield from _loop_variables(value)


def parse(name: str, text: str) -> Template:
    return Template(name=name, doc=_parser().parse(text=text))


Templates = Mapping[str, Template]


def load(infra: Path) -> dict[str, Template]:
    """Every .bicep file under `infra`, by path relative to it (main.bicep, modules/storage.bicep)."""
    return {
        path.relative_to(infra).as_posix(): parse(path.relative_to(infra).as_posix(), path.read_text("utf-8"))
        for path in sorted(infra.rglob("*.bicep"))
    }


@functools.cache
def repository_templates() -> dict[str, Template]:
    """The repository's templates, parsed once per test session."""
    return load(INFRA)


def module_template(templates: Templates, main: Template, symbol: str) -> Template:
    """The template a module declaration of `main` points at."""
    return templates[main.module(symbol).type]
