"""Finding a step function again in a fresh process (spawned worker, pod, resumed run).

A step is found by its module and qualified name. A module that cannot be imported by
name (a script run as ``__main__``, a file given to ``dagwell run``) is loaded from its
file under a private name. Any module loaded here to find something in it (by a worker,
or by ``dagwell runs resume``/``runs stop`` rebuilding a run) is only being looked into: a
pipeline call at its top level must not start a run, so while it loads,
:func:`looking_up` is true in this thread and :mod:`dagwell.api.pipelines` makes pipeline
calls inert (attempt processes also set ``DAGWELL_ATTEMPT``). An inert call returns None,
so a script that goes on to use its run (``run = p(); print(run.summary())``, as the
README's quickstart does) raises after it: a file whose pipeline call was made inert and
then raised is kept as loaded so far (what it defined before is there), instead of
failing every step of a resumed run with the script's ``AttributeError``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.core.plan import Locator

_FILE_MODULES: dict[str, ModuleType] = {}
_LOOKING_UP: ContextVar[bool] = ContextVar("dagwell_looking_up", default=False)
_INERT_CALLS: ContextVar[list[str] | None] = ContextVar("dagwell_inert_calls", default=None)
_CUT_SHORT: dict[str, BaseException] = {}  # file -> what ended its loading after a call


def made_inert(pipeline: str) -> None:
    """Called for a pipeline call that did not run (it returned None) while a file loads."""
    calls = _INERT_CALLS.get()
    if calls is not None:
        calls.append(pipeline)


def cut_short(path: str) -> BaseException | None:
    """What ended the loading of file ``path`` after one of its pipeline calls was made
    inert (the code after it did not run), or None when it loaded to its end."""
    return _CUT_SHORT.get(path)


def looking_up() -> bool:
    """Whether this thread is loading a module only to find a step or pipeline in it."""
    return _LOOKING_UP.get()


@contextmanager
def _looking_up() -> Iterator[None]:
    token = _LOOKING_UP.set(True)
    try:
        yield
    finally:
        _LOOKING_UP.reset(token)


def load_file_module(path: str, name: str | None = None) -> ModuleType:
    """Import a Python file under a private module name (once per process); pipeline
    calls at its top level do not run (see :func:`looking_up`)."""
    if path in _FILE_MODULES:
        return _FILE_MODULES[path]
    module_name = name or f"__dagwell_file_{len(_FILE_MODULES)}__"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot load {path!r} as a Python file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    _FILE_MODULES[path] = module
    inert: list[str] = []
    token = _INERT_CALLS.set(inert)
    try:
        with _looking_up():
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        if not inert:  # it fails on its own, not for want of a run
            del sys.modules[module_name]
            del _FILE_MODULES[path]
            raise
        _CUT_SHORT[path] = error  # (it used the None its inert call returned, say)
    except BaseException:
        del sys.modules[module_name]
        del _FILE_MODULES[path]
        raise
    finally:
        _INERT_CALLS.reset(token)
    return module


def _module_for(locator: Locator) -> ModuleType:
    if locator.file and locator.file in _FILE_MODULES:
        return _FILE_MODULES[locator.file]
    importable = locator.module != "__main__" and not locator.module.startswith("__dagwell_file")
    if importable:
        try:
            with _looking_up():
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
