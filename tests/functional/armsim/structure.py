"""Compare JSON bodies by property structure: the set of key paths (list items collapsed to `[]`)."""

from __future__ import annotations

from typing import Any


def key_paths(body: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(body, dict):
        for name, value in body.items():
            path = f"{prefix}.{name}" if prefix else name
            paths.add(path)
            paths |= key_paths(value, path)
    elif isinstance(body, list):
        for item in body:
            paths |= key_paths(item, prefix + "[]")
    return paths


def _covered(path: str, prefixes: set[str]) -> bool:
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[]") for p in prefixes)


def structure_differences(
    actual: Any,
    expected: Any,
    *,
    not_modelled: set[str] = frozenset(),
    documented_extra: set[str] = frozenset(),
) -> tuple[set[str], set[str]]:
    """(paths the example has that armsim lacks, paths armsim has that the example lacks).

    `not_modelled` names example sub-trees armsim deliberately does not produce;
    `documented_extra` names properties armsim returns that real traffic shows but the example omits.
    """
    have, want = key_paths(actual), key_paths(expected)
    missing = {p for p in want - have if not _covered(p, set(not_modelled))}
    extra = {p for p in have - want if not _covered(p, set(documented_extra))}
    return missing, extra
