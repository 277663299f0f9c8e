"""A step's annotations, checked when it runs the way ZenML checks them.

ZenML validates a step's arguments with pydantic as the step starts: a dict passed for a
pydantic-model parameter (as a YAML run config passes it) becomes that model, an int for
a ``float`` becomes a float. It refuses an output whose value is not an instance of its
annotation, and a value returned by a step annotated ``-> None``. Code written for it
relies on the first and is protected by the second, so an attempt does both here.

Cheap on purpose: a value that already is what its annotation says is passed as it is
(pydantic is only loaded when a parameter needs converting), and what ``isinstance``
cannot check (``Any``, a ``TypeVar``, ``Literal``, an unresolvable forward reference) is
not checked (ZenML's isinstance raises a TypeError on some of them).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import types
import typing
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeAlias

from dagwell.core.errors import StepInterfaceError

Checkable: TypeAlias = type | tuple[type, ...]


def resolve(annotation: Any) -> Checkable | None:
    """What ``isinstance`` can check ``annotation`` with (ZenML's resolved annotation):
    ``Annotated`` stripped, a generic's origin (``list[int]`` -> ``list``), a union's
    members; None for ``Any`` and for what is not a class."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return resolve(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        members = [resolve(a) for a in typing.get_args(annotation)]
        flat: list[type] = []
        for member in members:
            if member is None:
                return None  # (a union with Any in it admits anything)
            flat.extend(member if isinstance(member, tuple) else (member,))
        return tuple(flat)
    if annotation is None:
        return type(None)
    if annotation is Any:  # (a class since Python 3.11, but one nothing is an instance of)
        return None
    found = origin if origin is not None else annotation
    return found if isinstance(found, type) and found is not object else None


@functools.cache
def _hints(func: Callable[..., Any]) -> Mapping[str, Any]:
    target = inspect.unwrap(func)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # (a forward reference that does not resolve: strings stay unchecked)
        return dict(getattr(target, "__annotations__", {}))


@functools.cache
def output_types(func: Callable[..., Any], names: tuple[str, ...]) -> dict[str, Checkable | None]:
    """Each output's checkable type: the return annotation for one output, its Tuple's
    members for several (names as the step's definition gave them)."""
    hints = _hints(func)
    if "return" not in hints or not names:
        return {}
    annotation = hints["return"]
    if len(names) == 1:
        return {names[0]: resolve(annotation)}
    members = typing.get_args(resolve_tuple(annotation))
    if len(members) != len(names):
        return {}
    return {name: resolve(member) for name, member in zip(names, members, strict=True)}


def resolve_tuple(annotation: Any) -> Any:
    """``Annotated[Tuple[...], ...]`` -> ``Tuple[...]``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def returns_nothing(func: Callable[..., Any]) -> bool:
    """Whether the step is annotated ``-> None``."""
    hints = _hints(func)
    return "return" in hints and hints["return"] in (None, type(None))


def check_outputs(step: str, func: Callable[..., Any], outputs: Mapping[str, Any]) -> None:
    """Raise StepInterfaceError for an output whose value its annotation does not admit."""
    for name, expected in output_types(func, tuple(outputs)).items():
        value = outputs[name]
        if not _is_a(value, expected, numeric=True):
            wanted, got = _name(expected), type(value).__qualname__
            if got in wanted.split(" | "):  # (same name, another class: say whose)
                wanted, got = _name(expected, qualified=True), _qualified(type(value))
            raise StepInterfaceError(
                f"Wrong type for output {name!r} of step {step!r}: it is annotated "
                f"{wanted} but the step returned a value of type {got}. Return a value of "
                "that type, or change the step's return annotation."
            )


def check_no_output(step: str, func: Callable[..., Any], result: Any) -> None:
    """A step annotated ``-> None`` that returned something (ZenML refuses it too)."""
    if result is not None and returns_nothing(func):
        raise StepInterfaceError(
            f"Step {step!r} is annotated '-> None' but returned a value of type "
            f"{type(result).__qualname__}; "
            "annotate the return type to store it as an output, or return nothing."
        )


def coerce_arguments(
    step: str,
    func: Callable[..., Any],
    kwargs: Mapping[str, Any],
    parameters: Collection[str],
) -> dict[str, Any]:
    """``kwargs`` with the pipeline's ``parameters`` among them as ZenML passes them:
    converted by pydantic to their annotations (``{"lr": 0.1}`` for a model, ``1`` for a
    float, a list of dicts for ``list[Config]``) when a value, or an item of it, is not
    already what its annotation says. StepInterfaceError if one cannot be converted.

    Inputs loaded from artifacts are passed as they are: each was stored as a value of its
    own type, and converting it could only lose it (pydantic makes a DataFrame given for a
    ``list`` the list of its column names)."""
    hints = _hints(func)
    wrong = [
        name
        for name in parameters
        if name in kwargs and name in hints and _needs_conversion(hints[name], kwargs[name])
    ]
    if not wrong:
        return dict(kwargs)
    import pydantic  # (only for a value that needs converting: the zygote stays lean)

    converted = dict(kwargs)
    for name in wrong:
        try:
            adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(hints[name])
            converted[name] = adapter.validate_python(kwargs[name])
        except pydantic.ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}"
                for e in error.errors()[:5]
            )
            raise StepInterfaceError(
                f"Input {name!r} of step {step!r} is annotated {_name(hints[name])} but got "
                f"a value of type {type(kwargs[name]).__qualname__} that does not convert to "
                f"it ({problems}). "
                "Pass a value of that type, or change the parameter's annotation."
            ) from None
        except pydantic.PydanticUserError:
            continue  # (a type pydantic cannot build: passed as it is)
    return converted


def _needs_conversion(annotation: Any, value: Any) -> bool:
    """Whether ``value`` is not what ``annotation`` says, or (for a parametrized list,
    set, tuple or dict) one of its items or values is not."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _needs_conversion(args[0], value)
    if origin is typing.Union or origin is types.UnionType:
        return all(_needs_conversion(member, value) for member in args)
    if not _is_a(value, resolve(annotation)):
        return True
    if not args or isinstance(value, str | bytes):
        return False
    if origin in (list, set, frozenset) or (origin is tuple and args[-1] is Ellipsis):
        return any(_needs_conversion(args[0], item) for item in value)
    if origin is tuple:
        return len(args) != len(value) or any(
            _needs_conversion(a, item) for a, item in zip(args, value, strict=False)
        )
    if origin is dict and len(args) == 2:
        return any(
            _needs_conversion(args[0], k) or _needs_conversion(args[1], v) for k, v in value.items()
        )
    return False


#: An output that is a number of the numeric tower stands for the builtin it is annotated
#: as (PEP 484: an int where a float is annotated; numpy's scalars register as these too,
#: and ``numpy.bool_`` stands for ``bool``). ZenML's isinstance refuses ``np.int64`` for
#: ``int``; a step that returns ``df["x"].sum()`` after an hour of work is not failed for
#: it here. (A parameter is converted instead, as ZenML converts it: an int given for a
#: float becomes a float.)
_NUMERIC = {int: numbers.Integral, float: numbers.Real, complex: numbers.Complex}


def _is_a(value: Any, expected: Checkable | None, numeric: bool = False) -> bool:
    """``isinstance``, or (with ``numeric``) a number of the numeric tower for
    ``int``/``float``/``complex``, or an instance of a class of the same module and name:
    a class defined in ``__main__`` comes back from its pickle as a copy of itself, which
    is still the step's class to its code."""
    if expected is None:
        return True
    try:
        if isinstance(value, expected):
            return True
    except TypeError:  # (an annotation isinstance refuses: unchecked, as in ZenML)
        return True
    members = _members(expected)
    if numeric and (
        any(isinstance(value, _NUMERIC[t]) for t in members if t in _NUMERIC)
        or (bool in members and _numpy_bool(value))
    ):
        return True
    names = {_named(t) for t in members}
    return any(_named(c) in names for c in type(value).__mro__)


def _numpy_bool(value: Any) -> bool:
    """``numpy.bool_`` (what ``accuracy > 0.9`` gives), without importing numpy."""
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool")


def _named(kind: type) -> tuple[str, str]:
    """A class's module and name; the pipeline's script is ``__main__`` in the process that
    ran it and ``__dagwell_file_<n>__`` where an attempt loaded it from its file (a
    spawned worker, a pod), and it is one module for this purpose."""
    module = kind.__module__
    return ("__main__" if module.startswith("__dagwell_file_") else module, kind.__qualname__)


def _members(expected: Checkable) -> tuple[type, ...]:
    return expected if isinstance(expected, tuple) else (expected,)


def _name(expected: Any, qualified: bool = False) -> str:
    if isinstance(expected, tuple):
        return " | ".join(_name(e, qualified) for e in expected)
    if isinstance(expected, type):
        if expected is type(None):
            return "None"
        return _qualified(expected) if qualified else expected.__qualname__
    return str(expected)


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"
