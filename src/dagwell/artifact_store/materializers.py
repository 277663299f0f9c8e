"""Turning step outputs into bytes and back, chosen by type.

Safe formats come first: JSON for plain data (tuples and sets of it too, loaded back as
the tuple or set, as ZenML's BuiltInContainerMaterializer does), raw bytes and text,
``.npy`` for numpy arrays (never with pickle), parquet for pandas frames when pyarrow is
installed, a ``pathlib.Path``'s file or folder itself (ZenML's PathMaterializer), JSON for
a dataclass of plain fields (ZenML's DataclassMaterializer) and for a pydantic model that
loads back equal from it (ZenML's PydanticMaterializer), a UUID as its text (ZenML's
UUIDMaterializer). Only what none of them takes
falls back to cloudpickle, which records the Python version and type
and warns, because a pickle only loads on the same Python and can run code when loaded.
Heavy libraries are imported only when a value of their type shows up.

Load overhead (the loader gets the open, verified file; nothing reads it into bytes first):
numpy reads into the array's own buffer (measured: a 286 MiB array, max RSS of the
consumer 332 MiB, was 619 MiB when the file went through two in-memory copies); parquet
is read by pyarrow from the file; cloudpickle streams from it; json, text and bytes hold
the file's bytes once next to the value.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from dagwell.artifact_store import script_classes
from dagwell.core.errors import ArtifactError, UnsafeArtifact
from dagwell.core.text_types import TEXT_TYPES

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class CannotMaterialize(Exception):
    """This materializer cannot store this value after all; try the next one."""


def type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_plain_json(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, bool | int | float | str):
        return type(value) in (type(None), bool, int, float, str)
    if type(value) is list:
        return all(_is_plain_json(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _is_plain_json(v, depth + 1) for k, v in value.items())
    return False


_CONTAINERS = {"builtins.tuple": tuple, "builtins.set": set, "builtins.frozenset": frozenset}


def _zenml_serializable(value: Any, depth: int = 0) -> bool:
    """ZenML's BuiltInContainerMaterializer rule (``_is_serializable``): plain values in
    lists, tuples, sets and str-keyed dicts are written as one JSON document."""
    if depth > 100:
        return False
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (list, tuple, set, frozenset):
        return all(_zenml_serializable(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _zenml_serializable(v, depth + 1) for k, v in value.items())
    return False


def _is_container_json(value: Any) -> bool:
    """A tuple, set or frozenset that ZenML writes as JSON. (A list or dict holding one is
    JSON in ZenML too, but checking every list again would cost each plain-JSON output a
    second walk: 0.2 s for a million items. It stays a pickle, loaded the same.)"""
    return type(value) in (tuple, set, frozenset) and _zenml_serializable(value)


def _as_json(value: Any) -> Any:
    if type(value) in (set, frozenset):
        items = [_as_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))  # same set, same bytes
    if type(value) in (list, tuple):
        return [_as_json(v) for v in value]
    if type(value) is dict:
        return {k: _as_json(v) for k, v in value.items()}
    return value


def _save_container(value: Any, f: IO[bytes]) -> None:
    _save_json(_as_json(value), f)


def _load_container(f: IO[bytes], type_name_: str) -> Any:
    """As ZenML loads it: the outer container as the type it was (a tuple is a tuple),
    anything inside as JSON gives it (a nested tuple is a list)."""
    value = json.loads(f.read())
    cast = _CONTAINERS.get(type_name_)
    return value if cast is None else cast(value)


@dataclass(frozen=True)
class Materializer:
    name: str
    handles: Callable[[Any], bool]
    save: Callable[[Any, IO[bytes]], None]
    load: Callable[[IO[bytes]], Any]
    pickles: bool = False


def _write(f: IO[bytes], data: bytes) -> None:
    f.write(data)


def _save_json(value: Any, f: IO[bytes]) -> None:
    f.write(json.dumps(value, allow_nan=True, separators=(",", ":")).encode())


def _is_numpy(value: Any) -> bool:
    module = type(value).__module__
    if not module.startswith("numpy"):
        return False
    import numpy as np

    return (isinstance(value, np.ndarray) and value.dtype != object) or (
        isinstance(value, np.generic) and not isinstance(value, np.object_)
    )


def _save_numpy(value: Any, f: IO[bytes]) -> None:
    import numpy as np

    np.save(f, np.asarray(value), allow_pickle=False)  # a scalar becomes a 0-d array


def _load_numpy(f: IO[bytes]) -> Any:
    import numpy as np

    array = np.load(f, allow_pickle=False)  # a real file: read into the array's own buffer
    return array[()] if array.ndim == 0 else array


def _pandas_type(value: Any, kind: str) -> bool:
    if not type(value).__module__.startswith("pandas"):
        return False
    import pandas as pd

    cls = pd.DataFrame if kind == "frame" else pd.Series
    return isinstance(value, cls) and importlib.util.find_spec("pyarrow") is not None


def _save_frame(value: Any, f: IO[bytes]) -> None:
    try:
        value.to_parquet(f, engine="pyarrow")
    except Exception as error:  # e.g. non-string column names
        raise CannotMaterialize(str(error)) from error


def _load_frame(f: IO[bytes]) -> Any:
    import pandas as pd

    return pd.read_parquet(f, engine="pyarrow")


_SERIES_COLUMN = "__dagwell_series__"


def _save_series(value: Any, f: IO[bytes]) -> None:
    frame = value.to_frame(name=_SERIES_COLUMN)
    frame.attrs = {"series_name": value.name}
    _save_frame(frame, f)


def _load_series(f: IO[bytes]) -> Any:
    frame = _load_frame(f)
    series = frame[_SERIES_COLUMN]
    return series.rename(frame.attrs.get("series_name"))


def _is_path(value: Any) -> bool:
    import os
    import pathlib

    return isinstance(value, pathlib.PurePath) and os.path.exists(value)


def _save_path(value: Any, f: IO[bytes]) -> None:
    """ZenML's PathMaterializer: the file or folder itself (a tar, with fixed times so the
    same files give the same digest), not the path string."""
    import os
    import tarfile

    root = str(value)
    top = "dir" if os.path.isdir(root) else "file_data"  # ZenML's name for a loaded file

    def reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
        return info

    with tarfile.open(fileobj=f, mode="w") as tar:
        if top == "dir":
            folder = tarfile.TarInfo("dir")
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(reset(folder))
            for base, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(base, name)
                    tar.add(path, f"dir/{os.path.relpath(path, root)}", filter=reset)
        else:
            tar.add(root, top, filter=reset)


def _load_path(f: IO[bytes]) -> Any:
    """A local copy in a new temporary directory: the folder, or the file in it (named
    ``file_data``, as ZenML's PathMaterializer names it), kept until the loading step
    ends (see ``scratch``)."""
    import pathlib
    import tarfile

    from dagwell.artifact_store import scratch

    target = pathlib.Path(scratch.folder("dagwell-path-"))
    with tarfile.open(fileobj=f, mode="r") as tar:
        names = tar.getnames()
        tar.extractall(target, filter="data")
    if names and names[0] == "dir":
        return target / "dir"
    return target / names[0]


def _plain_dataclass(value: Any) -> bool:
    """A dataclass instance whose fields are plain JSON (ZenML's DataclassMaterializer
    case), of a class a loader can import by name."""
    import dataclasses

    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return False
    if "<locals>" in type(value).__qualname__:
        return False
    return all(_is_plain_json(getattr(value, field.name)) for field in dataclasses.fields(value))


def _save_dataclass(value: Any, f: IO[bytes]) -> None:
    import dataclasses

    fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    _write(f, json.dumps(fields, sort_keys=True).encode())


def _class_of(type_name_: str) -> Any:
    cls = script_classes.class_named(type_name_)
    if cls is None:
        module_name, _, qualname = type_name_.rpartition(".")
        raise ArtifactError(
            f"The artifact is a {type_name_}, which this process cannot find: import "
            f"{module_name} (or define {qualname} there) before loading it."
        )
    return cls


def _load_dataclass(f: IO[bytes], type_name_: str) -> Any:
    return _class_of(type_name_)(**json.loads(f.read()))


def _is_pydantic(value: Any) -> bool:
    """A pydantic model (pydantic is imported already if the value is one) of a class a
    loader finds by its name."""
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None
        and isinstance(value, pydantic.BaseModel)
        and script_classes.class_named(type_name(value)) is type(value)
    )


def _save_pydantic(value: Any, f: IO[bytes]) -> None:
    """ZenML's PydanticMaterializer: the model as JSON. Only if it loads back equal: a
    SecretStr, an excluded field or a private attribute is lost in JSON, so such a model
    goes to the next materializer (a pickle, with its warning) instead."""
    try:
        data = value.model_dump_json().encode()
        same = type(value).model_validate_json(data) == value
    except Exception as error:  # (a field pydantic cannot write or read back as JSON)
        raise CannotMaterialize(str(error)) from error
    if not same:
        raise CannotMaterialize("its JSON does not load back equal to it")
    _write(f, data)


def _load_pydantic(f: IO[bytes], type_name_: str) -> Any:
    return _class_of(type_name_).model_validate_json(f.read())


def _is_uuid(value: Any) -> bool:
    cls = type(value)
    return cls.__module__ == "uuid" and cls.__qualname__ == "UUID"


def _load_uuid(f: IO[bytes]) -> Any:
    import uuid

    return uuid.UUID(f.read().decode())


def _save_pickle(value: Any, f: IO[bytes]) -> None:
    try:
        script_classes.dump(value, f)
    except Exception as error:
        raise ArtifactError(
            f"Cannot store a value of type {type_name(value)}: no materializer handles it "
            f"and cloudpickle failed ({error}). Return JSON-able data, bytes, a numpy array "
            "or a pandas DataFrame instead, or convert the value before returning it."
        ) from error


def _load_pickle(f: IO[bytes]) -> Any:
    return script_classes.load(f)


MATERIALIZERS: tuple[Materializer, ...] = (
    Materializer("none", lambda v: v is None, lambda v, f: None, lambda f: None),
    Materializer(
        "bytes", lambda v: type(v) is bytes, lambda v, f: _write(f, v), lambda f: f.read()
    ),
    Materializer(
        "text",
        lambda v: type(v) is str,
        lambda v, f: _write(f, v.encode()),
        lambda f: f.read().decode(),
    ),
    Materializer(
        "text.typed",  # HTMLString, CSVString, ...: loaded as that type (see load())
        lambda v: type_name(v) in TEXT_TYPES,
        lambda v, f: _write(f, str(v).encode()),
        lambda f: None,
    ),
    Materializer("json", _is_plain_json, _save_json, lambda f: json.loads(f.read())),
    # loaded with its type name (see load()), as ZenML's BuiltInContainerMaterializer
    Materializer("container.json", _is_container_json, _save_container, lambda f: None),
    Materializer("numpy", _is_numpy, _save_numpy, _load_numpy),
    Materializer("pandas.parquet", lambda v: _pandas_type(v, "frame"), _save_frame, _load_frame),
    Materializer(
        "pandas.series.parquet", lambda v: _pandas_type(v, "series"), _save_series, _load_series
    ),
    Materializer("path", _is_path, _save_path, _load_path),
    # loaded by its class, from the type name (see load())
    Materializer("dataclass.json", _plain_dataclass, _save_dataclass, lambda f: None),
    Materializer("pydantic.json", _is_pydantic, _save_pydantic, lambda f: None),  # (load())
    Materializer("uuid", _is_uuid, lambda v, f: _write(f, str(v).encode()), _load_uuid),
    Materializer("cloudpickle", lambda v: True, _save_pickle, _load_pickle, pickles=True),
)
BY_NAME = {m.name: m for m in MATERIALIZERS}


def own(value: Any) -> list[Materializer]:
    """dagwell's own materializers that claim ``value``, best first (cloudpickle last)."""
    return [m for m in MATERIALIZERS if m.handles(value)]


def candidates(value: Any, chosen: type | None = None) -> list[Materializer]:
    """The materializers that claim ``value``, best first (cloudpickle always last): the
    step's chosen one, else a user's ``BaseMaterializer`` registered for its type, else
    dagwell's own (also when the one chosen is dagwell's mirror of a ZenML built-in)."""
    from dagwell.artifact_store import custom

    user = chosen or (custom.for_value(value) if custom._REGISTRY or custom._BY_TYPE else None)
    mine = own(value)
    if user is None or custom.stored_by_dagwell(user):
        return mine
    cls = user
    return [
        Materializer(
            custom.key_of(cls),
            lambda v: True,
            lambda v, f: custom.save_with(cls, v, f),
            lambda f: None,
        ),
        *mine,
    ]


def builtin_metadata(name: str, value: Any) -> dict[str, Any]:
    """What ZenML 0.98's built-in materializer for ``value`` records of it (its
    ``extract_metadata``): a number's or a bool's ``string_representation`` (not a
    string's: it can be any length), a container's ``length``, a UUID's text. ``name`` is
    the dagwell materializer that stored it."""
    if name in ("json", "container.json"):
        if type(value) in (bool, int, float):
            return {"string_representation": str(value)}
        if type(value) in (list, dict, tuple, set, frozenset):
            return {"length": len(value)}
    if name == "uuid":
        return {"string_representation": str(value)}
    return {}


def load(name: str, f: IO[bytes], *, python: str | None, type_name_: str) -> Any:
    if name.startswith("user:"):
        from dagwell.artifact_store import custom

        return custom.load_with(name, f, type_name_)
    if name == "dataclass.json":
        return _load_dataclass(f, type_name_)
    if name == "pydantic.json":
        return _load_pydantic(f, type_name_)
    if name == "container.json":
        return _load_container(f, type_name_)
    if name == "text.typed" and type_name_ in TEXT_TYPES:
        return TEXT_TYPES[type_name_](f.read().decode())
    materializer = BY_NAME.get(name)
    if materializer is None:
        raise ArtifactError(
            f"Unknown materializer {name!r} for an artifact of type {type_name_}; it was written "
            "by a newer dagwell. Upgrade dagwell to read it."
        )
    if materializer.pickles and python != PYTHON:
        raise UnsafeArtifact(
            f"The artifact ({type_name_}) is a pickle written by Python {python}; this is "
            f"Python {PYTHON}, and pickles only load on the Python that wrote them. Re-run the "
            "step that produced it on this Python."
        )
    return materializer.load(f)
