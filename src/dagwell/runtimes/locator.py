"""Finding a step function again in a fresh process (spawned worker, pod, resumed run).

A step is found by its module and qualified name. A module that cannot be imported by
name (a script run as ``__main__``, a file given to ``dagwell run``) is loaded from its
file under a private name; the pipeline call inside it is then inert, because attempt
processes set ``DAGWELL_ATTEMPT`` (see :mod:`dagwell.api.pipelines`).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.core.plan import Locator

_FILE_MODULES: dict[str, ModuleType] = {}


def load_file_module(path: str, name: str | None = None) -> ModuleType:
    """Import a Python file under a private module name (once per process)."""
    if path in _FILE_MODULES:
        return _FILE_MODULES[path]
    module_name = name or f"__dagwell_file_{len(_FILE_MODULES)}__"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot load {path!r} as a Python file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    _FILE_MODULES[path] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        del _FILE_MODULES[path]
        raise
    return module


def _module_for(locator: Locator) -> ModuleType:
    if locator.file and locator.file in _FILE_MODULES:
        return _FILE_MODULES[locator.file]
    importable = locator.module != "__main__" and not locator.module.startswith("__dagwell_file")
    if importable:
        try:
            return importlib.import_module(locator.module)
        except ImportError:
            if not locator.file:
                raise
    if not locator.file:
        raise ConfigError(
            f"Cannot find module {locator.module!r} for step {locator.qualname!r}: it has no "
            "file. Define steps in a .py file (not an interactive session) to run them in "
            "separate processes."
        )
    return load_file_module(locator.file)


def resolve(locator: Locator) -> Any:
    """Return the object at ``locator`` (a Step or a function, or a Pipeline)."""
    if "<locals>" in locator.qualname:
        raise ConfigError(
            f"{locator.qualname!r} is defined inside a function, so a fresh process cannot "
            "import it. Define it at module level."
        )
    try:
        obj: Any = _module_for(locator)
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            f"Importing {locator.module!r} (for {locator.qualname!r}) failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    for part in locator.qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(
                f"{locator.module!r} has no {locator.qualname!r}; was it renamed since the run "
                "started?"
            ) from None
    return obj


def resolve_function(locator: Locator) -> Any:
    obj = resolve(locator)
    return getattr(obj, "func", obj)
