"""ZenML-style materializers: ``BaseMaterializer`` subclasses that write a directory.

A user's materializer saves a value into ``self.uri`` (a fresh local directory) with
``fileio``; dagwell packs that directory into one content-addressed artifact (a tar), and
for loading unpacks it into a fresh directory and calls ``load(data_type)``. Subclasses
register themselves by their ``ASSOCIATED_TYPES`` when the class is defined (unless the
class itself sets ``SKIP_REGISTRATION``), as in ZenML, and are picked before dagwell's own
materializers for values of those types; a step can also name one with
``output_materializers=``. dagwell's mirrors of ZenML's built-in materializers
(``dagwell.materializers.PydanticMaterializer``, ...) are never picked by type; named, they
mean dagwell's own formats, which are theirs.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tarfile
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import IO, Any, ClassVar

from dagwell.artifact_store import scratch, script_classes
from dagwell.core.errors import ArtifactError, DefinitionError


class ArtifactType(StrEnum):
    """ZenML's artifact types (recorded with each artifact version)."""

    DATA_ANALYSIS = "DataAnalysisArtifact"
    DATA = "DataArtifact"
    MODEL = "ModelArtifact"
    SCHEMA = "SchemaArtifact"
    SERVICE = "ServiceArtifact"
    STATISTICS = "StatisticsArtifact"
    BASE = "BaseArtifact"


class VisualizationType(StrEnum):
    """ZenML's visualization types, so a materializer written for ZenML imports; dagwell
    stores no visualizations (its dashboard previews values itself), and says so when a
    materializer defines ``save_visualizations``."""

    CSV = "csv"
    HTML = "html"
    IMAGE = "image"
    MARKDOWN = "markdown"
    JSON = "json"


#: Every materializer class by its key, to load what it wrote.
_REGISTRY: dict[str, type[BaseMaterializer]] = {}
#: Types given a materializer explicitly (ZenML's materializer_registry): consulted first.
_BY_TYPE: dict[type, type[BaseMaterializer]] = {}


class LocalFiles:
    """What ``self.artifact_store`` offers a materializer (ZenML's artifact store file
    API): its ``uri`` is a local directory that dagwell packs and stores afterwards."""

    def open(self, path: str, mode: str = "r") -> IO[Any]:
        return open(path, mode)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def isdir(self, path: str) -> bool:
        return os.path.isdir(path)

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(path))

    def makedirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def mkdir(self, path: str) -> None:
        os.mkdir(path)

    def remove(self, path: str) -> None:
        os.remove(path)

    def rmtree(self, path: str) -> None:
        shutil.rmtree(path)

    def copyfile(self, src: str, dst: str, overwrite: bool = False) -> None:
        if os.path.exists(dst) and not overwrite:
            raise FileExistsError(f"{dst} exists; pass overwrite=True to replace it.")
        shutil.copyfile(src, dst)

    def rename(self, src: str, dst: str, overwrite: bool = False) -> None:
        if os.path.exists(dst) and not overwrite:
            raise FileExistsError(f"{dst} exists; pass overwrite=True to replace it.")
        os.replace(src, dst)

    def glob(self, pattern: str) -> list[str]:
        import glob

        return sorted(glob.glob(pattern))

    def walk(self, top: str, topdown: bool = True, onerror: Any = None) -> Any:
        return os.walk(top, topdown=topdown, onerror=onerror)

    def stat(self, path: str) -> Any:
        return os.stat(path)

    def size(self, path: str) -> int:
        return os.path.getsize(path)


LOCAL_FILES = LocalFiles()


def key_of(cls: type) -> str:
    return f"user:{cls.__module__}:{cls.__qualname__}"


class BaseMaterializer:
    """Subclass with ``ASSOCIATED_TYPES``, ``load(data_type)`` and ``save(data)``."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = ()
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.BASE
    SKIP_REGISTRATION: ClassVar[bool] = False
    #: Whether values of the ASSOCIATED_TYPES go to this class without being named: set
    #: for each class when it is defined.
    _PICKED_BY_TYPE: ClassVar[bool] = False

    def __init__(self, uri: str, artifact_store: Any = None) -> None:
        self.uri = uri
        self.artifact_store = LOCAL_FILES if artifact_store is None else artifact_store

    @contextmanager
    def get_temporary_directory(
        self, delete_at_exit: bool = True, delete_after_step_execution: bool = True
    ) -> Iterator[str]:
        """A scratch directory (ZenML's helper): removed when the block ends, or with
        ``delete_at_exit=False`` when the step ends (outside a step, or with
        ``delete_after_step_execution=False``, it is left to the caller, as in ZenML)."""
        path = tempfile.mkdtemp(prefix="dagwell-mat-tmp-")
        if not delete_at_exit and delete_after_step_execution:
            scratch.register(path)
        try:
            yield path
        finally:
            if delete_at_exit:
                shutil.rmtree(path, ignore_errors=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        types = cls.ASSOCIATED_TYPES
        if isinstance(types, type) or not hasattr(types, "__iter__") or isinstance(types, str):
            raise DefinitionError(
                f"{cls.__name__}.ASSOCIATED_TYPES must be a tuple (or list) of classes, got "
                f"{types!r}: write ASSOCIATED_TYPES = ({getattr(types, '__name__', 'MyType')},)."
            )
        cls.ASSOCIATED_TYPES = tuple(types)  # (ZenML takes any iterable of classes)
        for kind in cls.ASSOCIATED_TYPES:
            if not isinstance(kind, type):
                raise DefinitionError(
                    f"{cls.__name__}.ASSOCIATED_TYPES holds {kind!r}, which is not a class; "
                    "list the classes whose values this materializer stores."
                )
        _REGISTRY[key_of(cls)] = cls
        # (ZenML's SKIP_REGISTRATION holds for the class that sets it, not its subclasses)
        skip = cls.__dict__.get("SKIP_REGISTRATION", False)
        cls._PICKED_BY_TYPE = not skip and not stored_by_dagwell(cls)
        missing = [m for m in ("save", "load") if getattr(cls, m) is getattr(BaseMaterializer, m)]
        if cls.ASSOCIATED_TYPES and missing:
            what = {
                ("save", "load"): "stores nothing and loads every value back as None",
                ("save",): "stores nothing, so load() finds nothing at self.uri",
                ("load",): "loads every value back as None",
            }[tuple(missing)]
            warnings.warn(
                f"{cls.__name__} does not define {' or '.join(f'{m}()' for m in missing)}, so "
                f"it {what}: define save(self, data) to write into self.uri and "
                "load(self, data_type) to read it back.",
                stacklevel=2,
            )
        if "save_visualizations" in cls.__dict__:
            warnings.warn(
                f"{cls.__name__}.save_visualizations is not called: dagwell stores no "
                "visualizations (`dagwell ui` previews values itself).",
                stacklevel=2,
            )

    def load(self, data_type: type[Any]) -> Any:
        """Read the value back from ``self.uri``. The base class reads nothing (None), as
        ZenML's does, so a subclass may call ``super().load(data_type)`` first."""
        return None

    def save(self, data: Any) -> None:
        """Write ``data`` into ``self.uri``. The base class writes nothing, as ZenML's does,
        so a subclass may call ``super().save(data)`` first."""

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        return {}


def for_value(value: Any) -> type[BaseMaterializer] | None:
    """The materializer registered for ``value``'s type (materializer_registry), else the
    newest registered one whose ASSOCIATED_TYPES takes it."""
    for kind in type(value).__mro__:
        if kind in _BY_TYPE:
            return _BY_TYPE[kind]
    for cls in reversed(list(_REGISTRY.values())):
        if cls._PICKED_BY_TYPE and cls.ASSOCIATED_TYPES and isinstance(value, cls.ASSOCIATED_TYPES):
            return cls
    return None


def stored_by_dagwell(cls: type[BaseMaterializer]) -> bool:
    """Whether ``cls`` is dagwell's mirror of one of ZenML's built-in materializers, which
    stands for dagwell's own formats (not a subclass of one: that is the user's)."""
    return bool(cls.__dict__.get("_STORED_BY_DAGWELL", False))


def resolve(key: str) -> type[BaseMaterializer]:
    """The class recorded as ``key``; a script's class is found by its qualified name."""
    if key in _REGISTRY:
        return _REGISTRY[key]
    qualname = key.rsplit(":", 1)[-1]
    matches = [
        c for c in _REGISTRY.values() if c.__qualname__ == qualname and not stored_by_dagwell(c)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        module = key.split(":")[1]
        try:
            from dagwell.artifact_store.script_classes import import_module

            import_module(module)  # (from the project's source root, if need be)
        except ImportError:
            pass
        if key in _REGISTRY:
            return _REGISTRY[key]
    raise ArtifactError(
        f"The artifact was written by materializer {key.removeprefix('user:')}, which this "
        "process has not defined. Import the module that defines it before loading."
    )


#: The model classes of ZenML's integrations whose materializers declare ModelArtifact
#: (sklearn, pytorch, xgboost, lightgbm, tensorflow, huggingface): ZenML activates them
#: when the library is installed, so their values are model artifacts there.
_MODEL_BASES = (
    ("sklearn.base", "BaseEstimator"),
    ("torch.nn", "Module"),
    ("xgboost", "Booster"),
    ("lightgbm", "Booster"),
    ("tensorflow", "keras.Model"),
    ("tf_keras", "Model"),
    ("transformers", "PreTrainedModel"),
    ("transformers", "TFPreTrainedModel"),
    ("transformers", "PreTrainedTokenizerBase"),
)


def _loaded_class(module: str, qualname: str) -> type | None:
    """The class if its module is already imported (nothing is imported here)."""
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found if isinstance(found, type) else None


def _is_integration_model(type_name: str) -> bool:
    module, _, qualname = type_name.rpartition(".")
    cls = _loaded_class(module, qualname)
    if cls is None:
        return False
    for base_module, base_name in _MODEL_BASES:
        base = _loaded_class(base_module, base_name)
        if base is not None and issubclass(cls, base):
            return True
    return False


def artifact_type_of(key: str, type_name: str = "") -> str:
    """ZenML's artifact type of a value of ``type_name`` written by materializer ``key``:
    a user materializer's ASSOCIATED_ARTIFACT_TYPE (BaseArtifact unless it says), a model
    class of ZenML's integrations ModelArtifact, else DataArtifact (what ZenML's built-in
    and cloudpickle materializers declare)."""
    if not key.startswith("user:"):
        if type_name and _is_integration_model(type_name):
            return ArtifactType.MODEL.value
        return ArtifactType.DATA.value
    try:
        kind = resolve(key).ASSOCIATED_ARTIFACT_TYPE
    except ArtifactError:
        return ArtifactType.BASE.value
    return str(getattr(kind, "value", kind))


def extracted_metadata(key: str, value: Any) -> dict[str, Any]:
    """What the user materializer recorded as ``key`` says of ``value`` (ZenML's
    ``extract_metadata``, called after ``save``): the output's run metadata, under what
    the step itself logs for it."""
    if not key.startswith("user:"):
        return {}
    with tempfile.TemporaryDirectory(prefix="dagwell-mat-") as uri:
        found = resolve(key)(uri).extract_metadata(value)
    if not isinstance(found, dict):
        raise TypeError(
            f"{resolve(key).__name__}.extract_metadata returned a {type(found).__name__}; "
            "return a dict of metadata (or {})."
        )
    return found


def save_with(cls: type[BaseMaterializer], value: Any, f: IO[bytes]) -> None:
    with tempfile.TemporaryDirectory(prefix="dagwell-mat-") as uri:
        cls(uri).save(value)
        with tarfile.open(fileobj=f, mode="w") as tar:
            for entry in sorted(_walk(uri)):
                info = tar.gettarinfo(f"{uri}/{entry}", arcname=entry)
                info.mtime = 0  # same value, same bytes, same digest
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                if info.isfile():
                    with open(f"{uri}/{entry}", "rb") as data:
                        tar.addfile(info, data)
                else:
                    tar.addfile(info)


def _walk(root: str) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            out.append(name if rel == "." else f"{rel}/{name}")
    return out


def load_with(key: str, f: IO[bytes], type_name: str) -> Any:
    cls = resolve(key)
    data = f.read()
    # The loaded value may read its files later (a Path, a lazily loaded model), as it
    # could from ZenML's artifact store: the folder stays until the step ends.
    uri = scratch.folder("dagwell-mat-", outside_a_step="at_exit")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(uri, filter="data")
    # The stored value's own class, as ZenML passes it (ASSOCIATED_TYPES may hold only a
    # base class such as pydantic's BaseModel); failing that, the associated type it names.
    data_type = script_classes.class_named(type_name)
    if data_type is None:
        qualname = type_name.rsplit(".", 1)[-1]
        data_type = next(
            (t for t in cls.ASSOCIATED_TYPES if t.__qualname__.rsplit(".", 1)[-1] == qualname),
            cls.ASSOCIATED_TYPES[0] if cls.ASSOCIATED_TYPES else object,
        )
    return cls(uri).load(data_type)
