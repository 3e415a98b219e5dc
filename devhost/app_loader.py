"""Import function_app.py and index its functions the way the Python worker does.

The worker imports the script, requires exactly one top-level FunctionApp (a DFApp is one), calls
`get_functions()` once (it is not idempotent) and hands the host each function's raw bindings. The
host then refuses bindings it has no extension for; devhost does the same rather than skipping
them, so a function that would never run is a startup error, not a silent gap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from devhost.errors import AppLoadError, BindingError

SCRIPT_FILE = "function_app.py"

HOST_TRIGGERS = frozenset({"queueTrigger", "timerTrigger", "httpTrigger"})
DURABLE_TRIGGERS = frozenset({"orchestrationTrigger", "activityTrigger"})
# Non-trigger bindings devhost honours, by the trigger kinds they may accompany.
EXTRA_BINDINGS = {
    ("IN", "durableClient"): HOST_TRIGGERS,
    ("OUT", "queue"): HOST_TRIGGERS,
    ("OUT", "http"): frozenset({"httpTrigger"}),
}

_module_counter = itertools.count(1)


@dataclass(frozen=True)
class IndexedFunction:
    """One function as the host sees it: its name, trigger binding, other bindings and callable."""

    name: str
    trigger: dict[str, Any]
    bindings: tuple[dict[str, Any], ...]
    user_function: Callable[..., Any]
    source: func.Function = field(repr=False)

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    def bindings_of(self, direction: str, binding_type: str) -> list[dict[str, Any]]:
        return [b for b in self.bindings if b.get("direction") == direction and b.get("type") == binding_type]


@dataclass(frozen=True)
class LoadedApp:
    """The imported app: its module, its FunctionApp and the functions indexed from it (once)."""

    app_dir: Path
    module: ModuleType
    app: func.FunctionRegister
    functions: tuple[IndexedFunction, ...]

    @property
    def raw_functions(self) -> list[func.Function]:
        """What `app.get_functions()` returned, for the durable engine's own registration."""
        return [f.source for f in self.functions]

    def function(self, name: str) -> IndexedFunction | None:
        return next((f for f in self.functions if f.name.lower() == name.lower()), None)


def load_app(app_dir: str | Path) -> LoadedApp:
    """Import APP_DIR/function_app.py under a unique module name and index its functions."""
    folder = Path(app_dir).resolve()
    script = folder / SCRIPT_FILE
    if not script.is_file():
        raise AppLoadError(f"{folder}: no {SCRIPT_FILE} (devhost runs Python v2-model apps)")
    module = _import_script(script)
    app = _single_function_app(module, script)
    try:
        functions = app.get_functions()
    except ValueError as error:
        raise AppLoadError(f"{script}: indexing failed: {error}") from error
    indexed = tuple(index_function(f) for f in functions)
    _reject_duplicate_names(indexed, script)
    return LoadedApp(app_dir=folder, module=module, app=app, functions=indexed)


def index_function(function: func.Function) -> IndexedFunction:
    """Classify one function's raw bindings; any binding devhost cannot honour is a BindingError."""
    name = function.get_function_name() or function.get_user_function().__name__
    bindings = tuple(json.loads(raw) for raw in function.get_raw_bindings())
    triggers = [b for b in bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise BindingError(f"function {name!r}: expected exactly one trigger binding, found {len(triggers)}")
    trigger = triggers[0]
    trigger_type = str(trigger["type"])
    if trigger_type not in HOST_TRIGGERS | DURABLE_TRIGGERS:
        raise BindingError(
            f"function {name!r}: trigger binding {trigger.get('name')!r} of type {trigger_type!r} is not "
            f"supported by devhost (supported: {', '.join(sorted(HOST_TRIGGERS | DURABLE_TRIGGERS))})"
        )
    for binding in bindings:
        if binding is trigger:
            continue
        key = (str(binding.get("direction", "")).upper(), str(binding.get("type")))
        allowed_with = EXTRA_BINDINGS.get(key)
        if allowed_with is None or trigger_type not in allowed_with:
            raise BindingError(
                f"function {name!r}: binding {binding.get('name')!r} of type {binding.get('type')!r} "
                f"(direction {binding.get('direction')}) is not supported by devhost with a {trigger_type}"
            )
    return IndexedFunction(
        name=name,
        trigger=trigger,
        bindings=bindings,
        user_function=function.get_user_function(),
        source=function,
    )


def _import_script(script: Path) -> ModuleType:
    """Import by path under a unique name, with the app folder on sys.path for the app's packages."""
    folder = str(script.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    digest = hashlib.sha1(folder.encode()).hexdigest()[:10]
    module_name = f"devhost_app_{digest}_{next(_module_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, script)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"{script}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise AppLoadError(f"{script}: import failed: {type(error).__name__}: {error}") from error
    return module


def _single_function_app(module: ModuleType, script: Path) -> func.FunctionRegister:
    apps: list[func.FunctionRegister] = []
    for value in vars(module).values():
        if isinstance(value, func.FunctionRegister) and all(value is not seen for seen in apps):
            apps.append(value)
    if len(apps) != 1:
        raise AppLoadError(
            f"{script}: expected exactly one top-level FunctionApp (or DFApp), found {len(apps)}"
        )
    return apps[0]


def _reject_duplicate_names(functions: Sequence[IndexedFunction], script: Path) -> None:
    seen: set[str] = set()
    for function in functions:
        key = function.name.lower()
        if key in seen:
            raise AppLoadError(f"{script}: two functions are named {function.name!r}")
        seen.add(key)
