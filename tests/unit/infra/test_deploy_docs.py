"""README "Deploy to Azure" documents every template parameter, one row each, and no other.

A parameter added to main.bicep without a row (or a row left behind by a removed parameter)
fails here; so does a row that calls a parameter required when the template gives it a default,
or the other way round.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.infra.bicep import MAIN, ROOT, Template, parse

README = ROOT / "README.md"
SECTION = "## Deploy to Azure"
ROW = re.compile(r"^\| `(\w+)` \| ([^|]+) \|", re.MULTILINE)


def parameter_rows(readme: str) -> list[tuple[str, str]]:
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start : end if end != -1 else len(readme)]
    table = section[section.index("### Parameters") :]
    table = table[: table.find("\n### ", 1)]
    return [(name, default.strip()) for name, default in ROW.findall(table)]


def table_problems(readme: str, main: Template) -> list[str]:
    rows = parameter_rows(readme)
    names = [name for name, _ in rows]
    declared = main.parameters
    problems = [f"README lists {name} twice" for name in sorted({n for n in names if names.count(n) > 1})]
    problems += [f"parameter {name} has no README row" for name in declared if name not in names]
    problems += [f"README row {name} is no parameter of {MAIN}" for name in names if name not in declared]
    for name, default in rows:
        if name in declared and (default == "(required)") != (declared[name]["default"] is None):
            problems.append(f"README row {name}: '(required)' must match the template having no default")
    return problems


def main_template() -> Template:
    return parse(MAIN, (ROOT / "infra" / MAIN).read_text(encoding="utf-8"))


def test_every_parameter_has_one_row() -> None:
    main = main_template()
    assert table_problems(README.read_text(encoding="utf-8"), main) == []
    assert len(parameter_rows(README.read_text(encoding="utf-8"))) == len(main.parameters)


def test_a_missing_or_stale_row_is_reported(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `schedulerCapacity` |"))
    broken = text.replace(row + "\n", "").replace("| `tags` |", "| `retired` | `x` | gone |\n| `tags` |")
    assert table_problems(broken, main_template()) == [
        "parameter schedulerCapacity has no README row",
        "README row retired is no parameter of main.bicep",
    ]


def test_required_marks_follow_the_template() -> None:
    text = README.read_text(encoding="utf-8").replace("| `tags` | `{}` |", "| `tags` | (required) |")
    assert table_problems(text, main_template()) == [
        "README row tags: '(required)' must match the template having no default"
    ]
