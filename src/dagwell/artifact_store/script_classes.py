"""The classes of the pipeline's script, one class in every process that runs its steps.

The script is ``__main__`` in the process that ran it (and in attempts forked from it),
and ``__dagwell_file_<n>__`` where it was loaded from its file: ``dagwell run file.py``, a
spawned attempt, a pod. cloudpickle pickles the classes of ``__main__`` by value, so a
step's input of such a class came back as a copy of it (``isinstance`` False, its enum's
members unequal to the script's own, a new digest every run: never a cache hit, and every
global a method reads pickled along). Here they are pickled by name instead, and a name of
the script is looked up in whichever module holds the script in the loading process.
A process without the script (another program reading the artifact) cannot load such a
value, and is told so.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import pickle
import sys
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from dagwell.core.errors import ArtifactError


def is_script(module_name: str) -> bool:
    """Whether ``module_name`` is one of the names the pipeline's script goes by."""
    return module_name == "__main__" or module_name.startswith("__dagwell_file_")


def script_modules(module_name: str) -> list[ModuleType]:
    """Where a class recorded in the script as ``module_name`` may be: that module first
    when this process has it, then ``__main__``, then the script files it loaded."""
    named = [(n, m) for n, m in list(sys.modules.items()) if is_script(n) and m is not None]
    order = {module_name: 0, "__main__": 1}
    return [m for n, m in sorted(named, key=lambda item: (order.get(item[0], 2), item[0]))]


def find(module_name: str, qualname: str) -> Any | None:
    """The object at ``qualname`` in the script (recorded as ``module_name``), or None."""
    for module in script_modules(module_name):
        found: Any = module
        for part in qualname.split("."):
            found = getattr(found, part, None)
            if found is None:
                break
        if found is not None:
            return found
    return None


def import_module(name: str) -> ModuleType:
    """Import module ``name``; one this process cannot find is looked for again from the
    project's source root as ZenML takes it (:func:`source_root`), and from the working
    directory. A program run from a project (``python ../tests/load.py``) so loads what the
    project's modules wrote, as in ZenML."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        root = name.split(".", 1)[0]
        if error.name not in (root, name):
            raise  # (the module was found: something it imports is missing)
        for folder in _source_roots():
            if folder in sys.path or not _holds(folder, root):
                continue
            sys.path.insert(0, folder)
            try:
                return importlib.import_module(name)
            finally:
                with contextlib.suppress(ValueError):
                    sys.path.remove(folder)
        raise


def source_root() -> str:
    """ZenML's source root: the nearest folder from the working directory up that holds a
    ZenML repository (``.zen``), else the folder of the script run (``__main__``), else
    the working directory."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / ".zen").is_dir():
            return str(folder)
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return str(Path(main).resolve().parent) if main else str(here)


def module_path(module_name: str, file: str | None) -> str:
    """The import path ZenML records for a module: its own name, or for the script run
    (``__main__``, or a script dagwell loaded from its file) the file's path from the
    source root, dotted (``pipelines.daily`` for ``pipelines/daily.py``); a script outside
    the source root goes by its file's name."""
    if not is_script(module_name) or not file:
        return module_name
    path = Path(file).resolve()
    try:
        relative = path.relative_to(Path(source_root()).resolve())
    except ValueError:
        return path.stem
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or path.stem


def resolve_source(obj: Any) -> Any:
    """ZenML's ``source_utils.resolve``: the Source of a class or function (a step: its
    function), with the module path ZenML records (:func:`module_path`)."""
    from dagwell.core.source import Source

    target = getattr(obj, "func", obj) if hasattr(obj, "entrypoint") else obj
    module = sys.modules.get(target.__module__)
    name = module_path(target.__module__, getattr(module, "__file__", None))
    return Source(name, target.__qualname__)


def load_source(source: Any) -> Any:
    """ZenML's ``source_utils.load``: the object at an import path (``"pkg.mod.name"``) or
    a Source, its module imported from the project's source root if need be."""
    path = str(getattr(source, "import_path", source))
    module_name, _sep, attribute = path.rpartition(".")
    if not module_name:
        return import_module(path)
    try:
        found: Any = import_module(module_name)
    except ModuleNotFoundError:
        found = import_module(path)  # (the path is a module's own)
        return found
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def _source_roots() -> list[str]:
    return list(dict.fromkeys([source_root(), str(Path.cwd())]))


def _holds(folder: str, package: str) -> bool:
    base = Path(folder) / package
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def class_named(type_name: str) -> type | None:
    """The class an artifact recorded as ``type_name`` (its module and qualified name, one
    dotted string): the script's own where this process has the script, else from the
    longest leading part that is a module (imported if it must be); None if not found."""
    parts = type_name.split(".")
    if "<locals>" in parts or len(parts) < 2:
        return None
    if is_script(parts[0]):
        found = find(parts[0], ".".join(parts[1:]))
        return found if isinstance(found, type) else None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        found = sys.modules.get(module_name)
        if found is None:
            try:
                found = import_module(module_name)
            except ImportError:
                continue
        for part in parts[split:]:
            found = getattr(found, part, None)
        return found if isinstance(found, type) else None
    return None


def _by_name(cls: type) -> bool:
    """A class of the script that its module holds under its own name."""
    if not is_script(cls.__module__) or "<locals>" in cls.__qualname__:
        return False
    module = sys.modules.get(cls.__module__)
    found: Any = module
    for part in cls.__qualname__.split("."):
        found = getattr(found, part, None)
    return found is cls


def dump(value: Any, f: IO[bytes]) -> None:
    """cloudpickle ``value`` into ``f``, the script's classes by name."""
    _pickler()(f).dump(value)


@functools.cache
def _pickler() -> type[Any]:
    import cloudpickle  # (only once something is pickled)

    class Pickler(cloudpickle.Pickler):  # type: ignore[misc]
        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, type) and _by_name(obj):
                return NotImplemented  # (pickle's own way: module and name)
            return super().reducer_override(obj)

    return Pickler


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if not is_script(module):
            if module not in sys.modules:
                with contextlib.suppress(ImportError):
                    import_module(module)  # (from the project's source root, if need be)
            return super().find_class(module, name)
        found = find(module, name)
        if found is None:
            raise ArtifactError(
                f"The artifact holds a {name} of the pipeline's script ({module}), which this "
                "process does not have: load it from that script (after its definitions), or "
                f"from a module that defines {name}."
            )
        return found


def load(f: IO[bytes]) -> Any:
    """Unpickle from ``f``, finding the script's classes where this process has them."""
    return _Unpickler(f).load()
