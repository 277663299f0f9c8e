"""The ``@step`` decorator: a plain function becomes a Step that pipelines can wire.

A Step called inside a pipeline function records an invocation (see :mod:`tracing`);
called anywhere else it simply runs the function, as in ZenML. Everything that can be
checked about a step is checked here, when it is decorated: settings keys, memory
strings, retry numbers, hooks, and whether its return annotation names its outputs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import typing
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from dagwell.api.tracing import OutputRef, StepHandle, current_trace
from dagwell.core.errors import ConfigError, DefinitionError
from dagwell.core.hooks import Hooks, check_hooks
from dagwell.core.names import check_name
from dagwell.core.plan import InputSpec, Locator, StepSpec
from dagwell.core.settings import ResourceSettings, StepRetryConfig
from dagwell.core.units import check_seconds

#: ZenML step and pipeline options that change nothing about how dagwell runs: accepted
#: with a warning so ZenML code keeps running.
COSMETIC_OPTIONS = frozenset(
    {
        "enable_artifact_metadata",
        "enable_artifact_visualization",
        "enable_step_logs",
        "extra",
        "model",
        "substitutions",
        "tags",
    }
)
#: ZenML options for features dagwell does not have: refused, never silently ignored.
_UNSUPPORTED_OPTIONS = {
    "experiment_tracker": "dagwell has no experiment-tracker integration; log from the step",
    "step_operator": "dagwell runs each step on its orchestrator; remove step_operator",
    "output_materializers": "dagwell picks materializers by type; remove output_materializers",
}
SETTINGS_KEYS = ("resources", "kubernetes", "orchestrator.kubernetes")


@dataclass(frozen=True)
class StepSettings:
    resources: ResourceSettings | None = None
    pod: dict[str, Any] | None = None


def parse_settings(owner: str, settings: Mapping[str, Any] | None) -> StepSettings:
    """Check a ``settings={...}`` mapping; unknown keys are errors that list the known ones."""
    if settings is None:
        return StepSettings()
    if not isinstance(settings, Mapping):
        raise DefinitionError(
            f"settings= of {owner} must be a dict, got {type(settings).__name__}."
        )
    resources: ResourceSettings | None = None
    pod: dict[str, Any] | None = None
    for key, value in settings.items():
        if key == "resources":
            resources = _as_resources(owner, value)
        elif key in ("kubernetes", "orchestrator.kubernetes"):
            from dagwell.kubernetes.settings import PodSettings

            pod = PodSettings.coerce(value).model_dump(mode="json", exclude_none=True)
        else:
            raise DefinitionError(
                f"Unknown settings key {key!r} for {owner}; known keys: {', '.join(SETTINGS_KEYS)}."
            )
    return StepSettings(resources, pod)


def _as_resources(owner: str, value: Any) -> ResourceSettings | None:
    if value is None or isinstance(value, ResourceSettings):
        return value
    if isinstance(value, Mapping):
        return ResourceSettings(**value)
    raise DefinitionError(
        f"resources of {owner} must be a ResourceSettings(...) or a dict, got "
        f"{type(value).__name__}."
    )


def _annotation_name(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in typing.get_args(annotation)[1:]:
            if isinstance(extra, str):
                return extra
    return None


def output_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """Output names from the return annotation: none, one ("output"), or a tuple's."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = dict(getattr(func, "__annotations__", {}))
    if "return" not in hints:
        return ("output",)
    ret = hints["return"]
    if ret is None or ret is type(None):
        return ()
    single = _annotation_name(ret)
    if single is not None:
        return (single,)
    if typing.get_origin(ret) is tuple:
        args = typing.get_args(ret)
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return ("output",)
        names = tuple(_annotation_name(a) or f"output_{i}" for i, a in enumerate(args))
        if len(set(names)) != len(names):
            raise DefinitionError(
                f"Step {func.__name__!r} names two outputs the same in its return annotation; "
                "give each Annotated[...] output a unique name."
            )
        return names
    return ("output",)


def source_hash(func: Callable[..., Any]) -> str:
    """Digest of the function's source (its code object when the source is not available)."""
    try:
        text = inspect.getsource(func).encode()
    except (OSError, TypeError):
        code = func.__code__
        text = code.co_code + repr(code.co_consts).encode() + repr(code.co_names).encode()
    return hashlib.sha256(text).hexdigest()


def locate(func: Callable[..., Any]) -> Locator:
    import sys

    module = func.__module__
    file = getattr(sys.modules.get(module), "__file__", None)
    return Locator(module=module, qualname=func.__qualname__, file=file)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return not _json_would_change(value)


def _json_would_change(value: Any) -> bool:
    """JSON would turn tuples into lists and dict keys into strings (``{1: 'a'}`` into
    ``{'1': 'a'}``, sharing its cache entry); such constants go through a materializer
    instead, which keeps their types."""
    if isinstance(value, tuple):
        return True
    if isinstance(value, list):
        return any(_json_would_change(v) for v in value)
    if isinstance(value, dict):
        return any(not isinstance(k, str) for k in value) or any(
            _json_would_change(v) for v in value.values()
        )
    return False


class Step:
    """A step: call it inside a ``@pipeline`` function to add an invocation."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None,
        enable_cache: bool | None,
        retry: StepRetryConfig | None,
        resources: ResourceSettings | None,
        pod: dict[str, Any] | None,
        timeout: float | None,
        hooks: Hooks,
        priority: int | None = None,
    ) -> None:
        self.func = func
        self.name = name or func.__name__
        self.enable_cache = enable_cache
        self.retry = retry
        self.resources = resources
        self.pod = pod
        self.timeout = timeout
        self.priority = priority
        self.hooks = hooks
        self.outputs = output_names(func)
        self.signature = inspect.signature(func)
        self.source_hash = source_hash(func)
        self.locator = locate(func)
        functools.update_wrapper(self, func, updated=())

    def __repr__(self) -> str:
        return f"<dagwell step {self.name!r}>"

    @property
    def entrypoint(self) -> Callable[..., Any]:
        """The undecorated function (ZenML's name for it)."""
        return self.func

    def with_options(self, **options: Any) -> Step:
        """A copy with some decorator options changed, e.g. ``.with_options(retry=...)``."""
        return _build(self.func, base=self, options=options)

    def __call__(self, *args: Any, id: str | None = None, after: Any = None, **kwargs: Any) -> Any:
        trace = current_trace()
        if trace is None:
            if id is not None or after is not None:
                raise DefinitionError(
                    f"id= and after= only mean something when step {self.name!r} is called "
                    "inside a @pipeline function; remove them to call the step directly."
                )
            return self.func(*args, **kwargs)
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise DefinitionError(
                f"Step {self.name!r} was called with the wrong arguments: {error}. Its "
                f"signature is {self.name}{self.signature}."
            ) from None
        step_id = trace.new_id(self.name, id)
        inputs = {name: self._input(name, value) for name, value in bound.arguments.items()}
        spec = StepSpec(
            id=step_id,
            name=self.name,
            locator=self.locator,
            inputs=inputs,
            outputs=self.outputs,
            after=trace.resolve_after(self.name, after),
            memory=self.resources.memory_bytes if self.resources else None,
            cpu=self.resources.cpu_count if self.resources else None,
            gpu=self.resources.gpu_count if self.resources else None,
            timeout=self.timeout,
            source_hash=self.source_hash,
            pod=self.pod,
            priority=self.priority or 0,
        )
        trace.add(spec, self)
        if not self.outputs:
            return StepHandle(step_id)
        refs = tuple(OutputRef(step_id, name) for name in self.outputs)
        return refs[0] if len(refs) == 1 else refs

    def _input(self, name: str, value: Any) -> InputSpec:
        if isinstance(value, OutputRef):
            return InputSpec("output", step=value.step_id, output=value.output)
        if isinstance(value, StepHandle):
            raise DefinitionError(
                f"Argument {name!r} of step {self.name!r} got the call of step "
                f"{value.step_id!r}, which has no outputs. To order the steps, use "
                f"after={value.step_id!r} instead."
            )
        if isinstance(value, list | tuple | dict) and _holds_ref(value):
            raise DefinitionError(
                f"Argument {name!r} of step {self.name!r} holds step outputs inside a "
                f"{type(value).__name__}; pass each output as its own argument."
            )
        if _is_json(value):
            return InputSpec("value", value=value)
        return InputSpec("object", value=value)


def _holds_ref(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(
        isinstance(v, StepHandle) or (isinstance(v, list | tuple | dict) and _holds_ref(v))
        for v in items
    )


def _check_function(func: Any) -> None:
    if isinstance(func, Step):
        raise DefinitionError(f"{func!r} is already a step; apply @step only once.")
    if not inspect.isfunction(func):
        raise DefinitionError(
            f"@step decorates a function defined with def, got {type(func).__name__} {func!r}."
        )
    if func.__name__ == "<lambda>":
        raise DefinitionError("@step needs a named function; define the step with def.")
    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        raise DefinitionError(
            f"Step {func.__name__!r} is a generator; a step must return its outputs. Collect "
            "the items into a list and return it."
        )


_OPTION_NAMES = (
    "name",
    "enable_cache",
    "retry",
    "resources",
    "settings",
    "timeout",
    "priority",
    "on_failure",
    "on_success",
    "on_retry",
)


def _build(func: Callable[..., Any], *, base: Step | None, options: dict[str, Any]) -> Step:
    _check_function(func)
    if options.get("name") is not None:
        check_name(options["name"], "Step name")
    owner = f"step {options.get('name') or func.__name__!r}"
    for key in list(options):
        if key in COSMETIC_OPTIONS:
            warnings.warn(
                f"{key}= has no effect in dagwell ({owner}); it is ignored.", stacklevel=3
            )
            options.pop(key)
        elif key in _UNSUPPORTED_OPTIONS:
            raise DefinitionError(
                f"{key}= is not supported ({owner}): {_UNSUPPORTED_OPTIONS[key]}."
            )
        elif key not in _OPTION_NAMES:
            raise DefinitionError(
                f"Unknown option {key}= for {owner}; known options: {', '.join(_OPTION_NAMES)}."
            )
    parsed = parse_settings(owner, options.get("settings"))
    resources = _as_resources(owner, options.get("resources"))
    if resources is not None and parsed.resources is not None:
        raise DefinitionError(
            f"{owner} sets resources twice (resources= and settings['resources']); keep one."
        )
    resources = resources or parsed.resources
    retry = options.get("retry")
    if retry is not None and not isinstance(retry, StepRetryConfig):
        if isinstance(retry, Mapping):
            retry = StepRetryConfig(**retry)
        else:
            raise DefinitionError(f"retry= of {owner} must be a StepRetryConfig(...).")
    try:
        timeout = check_seconds(options.get("timeout"), what=f"timeout= of {owner}", optional=True)
    except ConfigError as error:
        raise DefinitionError(str(error)) from None
    priority = check_priority(owner, options.get("priority"))
    enable_cache = options.get("enable_cache")
    if enable_cache is not None and not isinstance(enable_cache, bool):
        raise DefinitionError(f"enable_cache= of {owner} must be True or False.")
    hooks = Hooks(
        on_failure=check_hooks(owner, "on_failure", options.get("on_failure")),
        on_retry=check_hooks(owner, "on_retry", options.get("on_retry")),
        on_success=check_hooks(owner, "on_success", options.get("on_success")),
    )
    if base is not None:
        kept = {
            k: getattr(hooks, k) for k in ("on_failure", "on_success", "on_retry") if k in options
        }
        return Step(
            func,
            name=options.get("name") or base.name,
            enable_cache=base.enable_cache if enable_cache is None else enable_cache,
            retry=retry or base.retry,
            resources=resources or base.resources,
            pod=parsed.pod or base.pod,
            timeout=timeout or base.timeout,
            hooks=replace(base.hooks, **kept),
            priority=base.priority if priority is None else priority,
        )
    return Step(
        func,
        name=options.get("name"),
        enable_cache=enable_cache,
        retry=retry,
        resources=resources,
        pod=parsed.pod,
        timeout=timeout,
        hooks=hooks,
        priority=priority,
    )


def check_priority(owner: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(
            f"priority= of {owner} must be a whole number (higher starts first when memory "
            f"is short), got {value!r}."
        )
    return value


def step(_func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a pipeline step. Use as ``@step`` or ``@step(retry=..., ...)``.

    Options: ``name``, ``enable_cache``, ``retry`` (StepRetryConfig), ``resources``
    (ResourceSettings; also accepted as ``settings={"resources": ...}``), ``timeout``
    (seconds per attempt), ``priority`` (a whole number; higher starts first when memory is
    short, default 0 or the pipeline's), and hooks ``on_failure``, ``on_retry``, ``on_success``.
    """
    if _func is not None:
        if options:
            raise DefinitionError("Use @step or @step(option=...), not both at once.")
        return _build(_func, base=None, options={})

    def decorate(func: Callable[..., Any]) -> Step:
        return _build(func, base=None, options=dict(options))

    return decorate
