"""The three walls of DESIGN.md, enforced on every import statement (not just at review time).

- imagefactory (the domain) loads no Functions code and no stand-in: production never imports a
  simulator by accident.
- armsim is an independent reading of Azure's API: sharing the client's models would mirror a
  misreading on both sides and let every test pass for nothing.
- devhost runs any Functions app, so it knows nothing of this one.
- The deployed app (function_app, triggers, orchestrators, activities) never loads a stand-in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = {"imagefactory", "triggers", "orchestrators", "activities", "function_app"}
STAND_INS = {"armsim", "devhost"}

FORBIDDEN: dict[str, set[str]] = {
    "imagefactory": {
        "azure.functions",
        "azure.durable_functions",
        "triggers",
        "orchestrators",
        "activities",
        "function_app",
    }
    | STAND_INS,
    "armsim": PRODUCT | {"devhost", "bench", "demo"},
    "devhost": PRODUCT | {"armsim", "bench", "demo"},
    "triggers": STAND_INS,
    "orchestrators": STAND_INS | {"triggers"},
    "activities": STAND_INS | {"triggers", "orchestrators"},
    "function_app.py": STAND_INS,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _violates(module: str, forbidden: set[str]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_no_import_crosses_a_wall(part: str) -> None:
    target = ROOT / part
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files, f"{part} has no Python files: the check would pass vacuously"
    crossings = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if _violates(module, FORBIDDEN[part])
    ]
    assert not crossings, "\n".join(crossings)


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import armsim.testing\nfrom devhost.clock import VirtualClock\nimport json\n")
    assert [m for _, m in _imports(sample) if _violates(m, STAND_INS)] == ["armsim.testing", "devhost.clock"]
