"""The ``@step`` decorator: a plain function becomes a Step that pipelines can wire.

A Step called inside a pipeline function records an invocation (see :mod:`tracing`);
called anywhere else it runs as a pipeline of its own and returns its outputs, as in ZenML
0.98 (the bare function inside a step, and through ``.entrypoint``). Everything that can be
checked about a step is checked here, when it is decorated: settings keys, memory
strings, retry numbers, hooks, and whether its return annotation names its outputs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
import typing
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dagwell.api.function_source import FunctionSource
from dagwell.api.tracing import OutputRef, StepHandle, current_trace
from dagwell.core.errors import ConfigError, DefinitionError
from dagwell.core.hooks import Hooks, check_hooks
from dagwell.core.names import check_name
from dagwell.core.plan import InputSpec, Locator, StepSpec
from dagwell.core.records import ArtifactVersion, ClientLazyVersion, LazyModelArtifact
from dagwell.core.units import check_seconds

if TYPE_CHECKING:  # pydantic only loads once a step asks for settings
    from dagwell.core.settings import ResourceSettings, StepRetryConfig

#: ZenML step and pipeline options that change nothing about how dagwell runs: accepted
#: with a warning so ZenML code keeps running.
COSMETIC_OPTIONS = frozenset(
    {
        "enable_artifact_metadata",
        "enable_artifact_visualization",
        "enable_step_logs",
        "enable_pipeline_logs",
        "tags",
    }
)
#: ZenML options for features dagwell does not have: refused, never silently ignored.
_UNSUPPORTED_OPTIONS = {
    "experiment_tracker": "dagwell has no experiment-tracker integration; log from the step",
    "step_operator": "dagwell runs each step on its orchestrator; remove step_operator",
    "cache_policy": "dagwell's cache key is the step's source, inputs and parameters; "
    "use enable_cache= instead",
    "on_init": "dagwell has no init hooks; do the setup at the top of the step",
    "on_cleanup": "dagwell has no cleanup hooks; use on_success/on_failure",
    "secrets": "dagwell has no secret store; read secrets from the environment",
    "heartbeat_healthy_threshold": "dagwell watches attempts itself; remove it",
    "enable_heartbeat": "dagwell watches every attempt itself; remove enable_heartbeat=",
    "on_pause": "dagwell runs do not pause",
    "on_resume": "dagwell has no resume hooks; `dagwell runs resume` continues a run",
}


def asks_for_nothing(value: Any) -> bool:
    """Whether an option for a feature dagwell lacks is left unset: None (ZenML's default
    for each), False (a switch left off: ``experiment_tracker=False``, ``dynamic=False``) or
    an empty collection (``secrets=[]``). Code that computes such an option, as in
    ``experiment_tracker=tracker.name if tracker else None``, then asks for nothing."""
    return value is None or value is False or (isinstance(value, dict | list | tuple) and not value)


#: Why ZenML's dynamic pipelines are refused (see also Step.map/.submit/.product).
DYNAMIC_PIPELINES = (
    "dagwell traces a pipeline into a fixed graph before it runs, so ZenML 0.98's dynamic "
    "pipelines (dynamic=True, step.map/.submit/.product) are not supported: pass a list of "
    "step outputs to one step for a fan-in, give the fan-out width as a pipeline parameter "
    "(for i in range(n): step(i)), or branch inside a step"
)
SETTINGS_KEYS = ("resources", "kubernetes", "orchestrator.kubernetes", "docker", "deployment")
_DOCKER_WARNED: list[bool] = []
_DEPLOYMENT_WARNED: list[bool] = []
#: ZenML's stack component types: settings for one of them with a flavor other than the
#: Kubernetes orchestrator ("step_operator.vertex", "experiment_tracker.mlflow") or for the
#: stack's component of a type ("step_operator", as ZenML's own docstrings write it) are for
#: a component dagwell does not have, and dropped with a notice, as ZenML drops settings for
#: a component not in the active stack (config/compiler.py, "Not including stack component
#: settings with key ..."; utils/settings_utils.py's STACK_COMPONENT_REGEX). A bare
#: "orchestrator" is the one component dagwell has: it is refused, naming its keys.
_COMPONENTS = re.compile(
    r"(alerter|annotator|artifact_store|container_registry|data_validator|"
    r"experiment_tracker|feature_store|image_builder|log_store|model_deployer|orchestrator|"
    r"step_operator|model_registry|deployer|sandbox)([.:].+)?"
)
_DROPPED: set[str] = set()


@dataclass(frozen=True)
class StepSettings:
    resources: ResourceSettings | None = None
    pod: dict[str, Any] | None = None


@dataclass(frozen=True)
class StepExtras:
    """ZenML's step options beyond dagwell's own: configured parameters, materializers
    chosen per output, the step's model, name substitutions, ``extra`` and
    ``environment``."""

    parameters: dict[str, Any] = field(default_factory=dict)
    materializers: dict[str, str] = field(default_factory=dict)
    model: Any = None
    substitutions: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)  # set while the step runs
    # ZenML's on_start/on_end: run in the attempt around the body (runtimes.lifecycle_hooks)
    lifecycle: dict[str, Callable[..., Any]] = field(default_factory=dict)


def environment_of(owner: str, value: Any) -> dict[str, str]:
    """ZenML's ``environment=``: variable names to string values (ZenML refuses others)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise DefinitionError(
            f"environment= of {owner} must be a dict of variable names to strings, e.g. "
            "{'HF_HOME': '/cache', 'WORKERS': '4'}."
        )
    return dict(value)


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
            from dagwell.api.zenml_settings import pod_resources, pod_settings

            pod = pod_settings(owner, value).model_dump(mode="json", exclude_none=True)
            from_pod = pod_resources(value)
            if from_pod is not None and resources is None:
                from dagwell.core.settings import ResourceSettings

                resources = ResourceSettings(**from_pod)
        elif key == "docker":
            if not _DOCKER_WARNED:
                _DOCKER_WARNED.append(True)
                warnings.warn(
                    "settings['docker'] is accepted but dagwell builds no images: steps run "
                    "in this Python environment locally, and on Kubernetes in the image of "
                    "KubernetesOrchestrator(image=...) or settings={'kubernetes': "
                    "{'image': ...}}.",
                    stacklevel=4,
                )
        elif key == "deployment":
            if not _DEPLOYMENT_WARNED:
                _DEPLOYMENT_WARNED.append(True)
                warnings.warn(
                    "settings['deployment'] is accepted but dagwell does not deploy pipelines "
                    "as HTTP services (ZenML's pipeline deployments): calling the pipeline "
                    "runs it once, as ZenML's batch mode does; schedule it on Kubernetes "
                    "with Schedule(cron_expression=...) to run it repeatedly.",
                    stacklevel=4,
                )
        elif _COMPONENTS.fullmatch(key) and key != "orchestrator":
            if key not in _DROPPED:
                _DROPPED.add(key)
                warnings.warn(
                    f"Not including stack component settings with key {key!r} (of {owner}): "
                    "dagwell has no such stack component, as ZenML drops settings for one "
                    "that is not in the active stack. Its orchestrator's settings are "
                    "'kubernetes' (or 'orchestrator.kubernetes') and 'resources'.",
                    stacklevel=4,
                )
        else:
            raise DefinitionError(
                f"Unknown settings key {key!r} for {owner}; known keys: {', '.join(SETTINGS_KEYS)}"
                ", or a ZenML stack component's ('step_operator.<flavor>', ...), which is "
                "dropped."
            )
    return StepSettings(resources, pod)


def _as_resources(owner: str, value: Any) -> ResourceSettings | None:
    if value is None:
        return None
    from dagwell.core.settings import ResourceSettings

    if isinstance(value, ResourceSettings):
        return value
    if isinstance(value, Mapping):
        return ResourceSettings(**value)
    raise DefinitionError(
        f"resources of {owner} must be a ResourceSettings(...) or a dict, got "
        f"{type(value).__name__}."
    )


def _annotation_config(annotation: Any) -> dict[str, Any] | None:
    """ZenML's ``Annotated[T, "name"]`` or ``Annotated[T, ArtifactConfig(...)]``."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for extra in typing.get_args(annotation)[1:]:
        if isinstance(extra, str):
            if not extra:
                raise DefinitionError("An output name in Annotated[...] must not be empty.")
            return {"name": extra}
        to_json = getattr(extra, "to_json", None)
        if type(extra).__name__ == "ArtifactConfig" and callable(to_json):
            config: dict[str, Any] = to_json()
            return config
    return None


def _own_returns(func: Callable[..., Any]) -> list[Any] | None:
    """The function's own ``return`` statements (not nested functions'); None without source."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None
    root = tree.body[0]
    found: list[Any] = []

    def visit(node: Any) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Return):
                found.append(child)
            visit(child)

    visit(root)
    return found


def _returns_tuple_literal(func: Callable[..., Any]) -> bool:
    """ZenML's rule: a Tuple annotation means several outputs only when a ``return``
    statement returns a tuple literal of two or more (``return a, b``), not a variable."""
    import ast

    returns = _own_returns(func)
    if returns is None:
        return True
    return any(isinstance(r.value, ast.Tuple) and len(r.value.elts) > 1 for r in returns)


def _returns_only_none(func: Callable[..., Any]) -> bool:
    """ZenML's rule for an unannotated step: no output when it only ever returns None."""
    import ast

    returns = _own_returns(func)
    if returns is None:
        return False
    return all(
        r.value is None or (isinstance(r.value, ast.Constant) and r.value.value is None)
        for r in returns
    )


def output_configs(func: Callable[..., Any]) -> dict[str, dict[str, Any] | None]:
    """Output names (with any ArtifactConfig) from the return annotation, by ZenML's rules:
    none for ``-> None``; ``output_0, output_1...`` (or Annotated names) for a Tuple that
    is returned as a literal; otherwise one output, ``output`` unless Annotated names it."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = dict(getattr(func, "__annotations__", {}))
    if "return" not in hints:
        return {} if _returns_only_none(func) else {"output": None}
    ret = hints["return"]
    if ret is None or ret is type(None):
        return {}
    single = _annotation_config(ret)
    if single is not None:
        return {single.get("name") or "output": single}
    if typing.get_origin(ret) is tuple and _returns_tuple_literal(func):
        args = typing.get_args(ret)
        if not args:
            return {"output": None}
        if args[-1] is Ellipsis:
            raise DefinitionError(
                f"Step {func.__name__!r}: variable-length output annotations "
                "(Tuple[T, ...]) are not allowed; name each output."
            )
        configs: dict[str, dict[str, Any] | None] = {}
        for i, annotation in enumerate(args):
            config = _annotation_config(annotation)
            name = (config or {}).get("name") or f"output_{i}"
            if name in configs:
                raise DefinitionError(
                    f"Step {func.__name__!r} names two outputs {name!r} in its return "
                    "annotation; give each Annotated[...] output a unique name."
                )
            configs[name] = config
        return configs
    return {"output": None}


def output_names(func: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(output_configs(func))


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
    except (TypeError, ValueError, RecursionError):  # (a cycle; or nested too deep)
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


class Step(FunctionSource):
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
        extras: StepExtras | None = None,
    ) -> None:
        self.func = func
        self.extras = extras or StepExtras()
        self.name = name or func.__name__
        self.enable_cache = enable_cache
        self.retry = retry
        self.resources = resources
        self.pod = pod
        self.timeout = timeout
        self.priority = priority
        self.hooks = hooks
        self.output_configs = output_configs(func)
        self.outputs = tuple(self.output_configs)
        self.signature = inspect.signature(func)
        self.source_hash = source_hash(func)
        self.locator = locate(func)
        functools.update_wrapper(self, func, updated=())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise DefinitionError(
            f"{cls.__name__} subclasses BaseStep, ZenML's class-based step, which dagwell "
            "does not have: write its entrypoint as a function decorated with @step."
        )

    def __repr__(self) -> str:
        return f"<dagwell step {self.name!r}>"

    @property
    def docstring(self) -> str | None:
        """The step function's docstring, as written (ZenML's ``step.docstring``)."""
        return self.func.__doc__

    def copy(self) -> Step:
        """ZenML's: a step configured as this one, to configure apart from it."""
        return _build(self.func, base=self, options={})

    @property
    def configuration(self) -> Any:
        """The step's options as ZenML shows them (``my_step.configuration.settings``)."""
        from dagwell.api.pipeline_config import Configuration

        settings: dict[str, Any] = {}
        if self.resources is not None:
            settings["resources"] = self.resources
        if self.pod is not None:
            settings["kubernetes"] = self.pod
        return Configuration(
            name=self.name,
            enable_cache=self.enable_cache,
            parameters=dict(self.extras.parameters),
            settings=settings,
            extra=dict(self.extras.extra),
            retry=self.retry,
            model=self.extras.model,
        )

    def resolve(self) -> Locator:
        """ZenML's ``step.resolve()``: where a fresh process finds this step. A step made
        by a factory function (ZenML's dynamic-artifact-names recipe) is found under the
        module-level name the factory gave it (``globals()[name] = step(...)``)."""
        import sys

        from dagwell.runtimes.locator import resolve

        module = sys.modules.get(self.locator.module)
        if "<locals>" in self.locator.qualname and module is not None:
            for name in (self.func.__name__, self.name):
                if getattr(module, name, None) is self:
                    self.locator = Locator(self.locator.module, name, self.locator.file)
                    break
        resolve(self.locator)  # raises, naming what a fresh process could not find
        return self.locator

    def __getattr__(self, name: str) -> Any:
        if name in ("map", "submit", "product", "chunk", "unmapped"):
            raise AttributeError(f"{self.name}.{name}(): {DYNAMIC_PIPELINES}.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def with_options(self, **options: Any) -> Step:
        """A copy with some decorator options changed, e.g. ``.with_options(retry=...)``;
        ZenML's ``parameters=``, ``output_materializers=``, ``model=`` and
        ``substitutions=`` too."""
        return _build(self.func, base=self, options=options)

    def configure(self, **options: Any) -> Step:
        """ZenML's in-place form of :meth:`with_options`: changes this step, returns it."""
        self.__dict__.update(_build(self.func, base=self, options=options).__dict__)
        return self

    def step_context(self) -> dict[str, Any] | None:
        """What the attempt needs for get_step_context() and for publishing outputs."""
        context: dict[str, Any] = {}
        artifacts = {k: v for k, v in self.output_configs.items() if v is not None}
        if artifacts:
            context["artifacts"] = artifacts
        if self.extras.materializers:
            context["materializers"] = dict(self.extras.materializers)
        if self.extras.substitutions:
            context["substitutions"] = dict(self.extras.substitutions)
        if self.extras.model is not None:
            context["model_config"] = self.extras.model.to_json()
        return context or None

    def __call__(self, *args: Any, id: str | None = None, after: Any = None, **kwargs: Any) -> Any:
        trace = current_trace()
        if trace is None:
            if id is not None or after is not None:
                raise DefinitionError(
                    f"id= and after= only mean something when step {self.name!r} is called "
                    "inside a @pipeline function; remove them to call the step directly."
                )
            return self._call_outside_pipeline(args, kwargs)
        step_id = trace.new_id(self.name, id)
        override = trace.overrides.get(step_id)
        target = self.with_options(**override) if override else self
        return target._record(trace, step_id, args, kwargs, after)

    def _call_outside_pipeline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """ZenML 0.98's call of a step outside a pipeline: a pipeline of just this step,
        named after it and uncached, runs, and the call returns the step's outputs loaded
        back (None for none, the value for one, a tuple for several); its run, outputs and
        step context are those of any run. The bare function runs instead inside a step's
        own code (and its hooks), and when ``ZENML_RUN_SINGLE_STEPS_WITHOUT_STACK`` (or
        ``DAGWELL_RUN_SINGLE_STEPS_WITHOUT_STACK``) is true, as ZenML's does; while dagwell
        loads a script only to find its steps (a worker, ``dagwell run``), the call does
        nothing and returns None, as a pipeline call does then."""
        import os

        from dagwell.core.context import current_step
        from dagwell.runtimes.locator import looking_up, made_inert

        if current_step() is not None or _run_without_stack():
            return self.func(*args, **kwargs)
        if looking_up():
            made_inert(self.name)
            return None
        if os.environ.get("DAGWELL_ATTEMPT"):  # (a step's own thread: no context of its own)
            return self.func(*args, **kwargs)
        try:
            self.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise DefinitionError(
                f"Step {self.name!r} was called with the wrong arguments: {error}. Its "
                f"signature is {self.name}{self.signature}."
            ) from None
        if not _ALONE:  # (dagwell.api loads dagwell.api.pipelines, which sets it)
            raise RuntimeError("dagwell.api.pipelines was not loaded: import dagwell.")
        return _ALONE[0](self, args, kwargs)

    def _record(
        self, trace: Any, step_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], after: Any
    ) -> Any:
        try:
            bound = self.signature.bind_partial(*args, **kwargs)
            for key, value in self.extras.parameters.items():
                if key in bound.arguments and not _same(bound.arguments[key], value):
                    raise DefinitionError(
                        f"Step {self.name!r} gets parameter {key!r} both in the call and in "
                        "its configuration (parameters=); set it in one place."
                    )
                bound.arguments[key] = value
            self.signature.bind(*bound.args, **bound.kwargs)
        except TypeError as error:
            raise DefinitionError(
                f"Step {self.name!r} was called with the wrong arguments: {error}. Its "
                f"signature is {self.name}{self.signature}."
            ) from None
        inputs: dict[str, InputSpec] = {}
        lists: dict[str, int] = {}
        given: dict[str, dict[str, Any]] = {}  # the artifact versions passed in, as they are
        for name, value in bound.arguments.items():
            if isinstance(value, ArtifactVersion):
                kind = "lazy" if isinstance(value, ClientLazyVersion) else "external"
                given[name] = {"doc": value.to_doc(), "type": kind}
            if _outputs_list(value):  # ZenML: a list of step outputs is one input, a list
                inputs.update(
                    {_item_input(name, i): self._input(name, v) for i, v in enumerate(value)}
                )
                lists[name] = len(value)
            else:
                inputs[name] = self._input(name, value)
        context = self.step_context()
        if lists:  # (the attempt gathers its items back into one list: see worker)
            context = {**(context or {}), "input_lists": lists}
        if given:  # (what a recorded step run's .inputs show them as, with their ids)
            context = {**(context or {}), "input_versions": given}
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
            context=context,
        )
        trace.add(spec, self)
        if not self.outputs:
            return StepHandle(step_id)
        refs = tuple(OutputRef(step_id, name) for name in self.outputs)
        return refs[0] if len(refs) == 1 else refs

    def _input(self, name: str, value: Any) -> InputSpec:
        if isinstance(value, OutputRef):
            return InputSpec("output", step=value.step_id, output=value.output)
        if isinstance(value, ArtifactVersion):  # Client().get_artifact_version(...), a model's
            return InputSpec("artifact", artifact=value.ref)
        if isinstance(value, LazyModelArtifact):  # looked up when the step starts
            return InputSpec("model_artifact", value=value.to_json())
        if type(value).__name__ == "ExternalArtifact" and hasattr(value, "value"):
            # ZenML uploads its value as an artifact, an input of the step (of type
            # external), not a parameter: stored when the run starts, as other constants
            return InputSpec("object", value=value.value)
        if isinstance(value, StepHandle):
            raise DefinitionError(
                f"Argument {name!r} of step {self.name!r} got the call of step "
                f"{value.step_id!r}, which has no outputs. To order the steps, use "
                f"after={value.step_id!r} instead."
            )
        if isinstance(value, list | tuple | dict) and _holds_ref(value):
            raise DefinitionError(
                f"Argument {name!r} of step {self.name!r} holds step outputs inside a "
                f"{type(value).__name__}; pass a list of step outputs (and nothing else), "
                "or each output as its own argument."
            )
        if _is_json(value):
            return InputSpec("value", value=value)
        return InputSpec("object", value=value)


def _outputs_list(value: Any) -> bool:
    """A list whose every item is a step's output (ZenML 0.98 takes it as one input)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, OutputRef) for v in value)


def _item_input(name: str, index: int) -> str:
    """The input that holds item ``index`` of the list input ``name``."""
    return f"{name}[{index}]"


def _holds_ref(value: Any) -> bool:
    """Whether a step's output (or call) is anywhere inside ``value``: walked without
    recursion, each container once, so a list holding itself or nested 10**5 deep is
    looked through too (recursing, it raised RecursionError from the pipeline call)."""
    todo, seen = [value], {id(value)}
    while todo:
        container = todo.pop()
        for v in container.values() if isinstance(container, dict) else container:
            if isinstance(v, StepHandle):
                return True
            if isinstance(v, list | tuple | dict) and id(v) not in seen:
                seen.add(id(v))
                todo.append(v)
    return False


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
    "parameters",
    "output_materializers",
    "model",
    "substitutions",
    "extra",
    "environment",
    "on_start",
    "on_end",
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
        elif key in _UNSUPPORTED_OPTIONS and asks_for_nothing(options[key]):
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
    if retry is not None:
        from dagwell.core.settings import StepRetryConfig

        if not isinstance(retry, StepRetryConfig):
            if not isinstance(retry, Mapping):
                raise DefinitionError(f"retry= of {owner} must be a StepRetryConfig(...).")
            retry = StepRetryConfig(**retry)
    try:
        timeout = check_seconds(options.get("timeout"), what=f"timeout= of {owner}", optional=True)
    except ConfigError as error:
        raise DefinitionError(str(error)) from None
    priority = check_priority(owner, options.get("priority"))
    enable_cache = options.get("enable_cache")
    if enable_cache is not None and not isinstance(enable_cache, bool):
        raise DefinitionError(f"enable_cache= of {owner} must be True or False.")
    hooks = Hooks(
        **{
            kind: check_hooks(owner, kind, hook_sources(owner, kind, options.get(kind)))
            for kind in ("on_failure", "on_retry", "on_success")
        }
    )
    extras = _extras(owner, func, base.extras if base else StepExtras(), options)
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
            extras=extras,
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
        extras=extras,
    )


def _extras(
    owner: str, func: Callable[..., Any], base: StepExtras, options: Mapping[str, Any]
) -> StepExtras:
    from dagwell.artifact_store import custom

    parameters = options.get("parameters")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise DefinitionError(f"parameters= of {owner} must be a dict of argument values.")
    names = set(inspect.signature(func).parameters)
    unknown = sorted(set(parameters or {}) - names)
    if unknown:
        raise DefinitionError(
            f"parameters= of {owner} names {', '.join(unknown)}, which the function does not "
            f"take; it takes {', '.join(sorted(names)) or 'nothing'}."
        )
    chosen = options.get("output_materializers")
    materializers = dict(base.materializers)
    if chosen is not None:
        outputs = output_names(func)
        pairs = chosen.items() if isinstance(chosen, Mapping) else [(None, chosen)]
        for output, cls in pairs:
            if not (isinstance(cls, type) and issubclass(cls, custom.BaseMaterializer)):
                raise DefinitionError(
                    f"output_materializers= of {owner} must be a BaseMaterializer subclass "
                    f"(or a dict of output name to one), got {cls!r}."
                )
            targets = outputs if output is None else (output,)
            for target in targets:
                if target not in outputs:
                    raise DefinitionError(
                        f"output_materializers= of {owner} names output {target!r}; the step "
                        f"has {', '.join(outputs) or 'no outputs'}."
                    )
                materializers[target] = custom.key_of(cls)
    model = options.get("model", base.model)
    if model is not None and type(model).__name__ != "Model":
        raise DefinitionError(f"model= of {owner} must be a Model(name=...).")
    if model is not None and base.model is not None and model is not base.model:
        model = base.model.updated_by(model)  # (ZenML: only the fields the new one was given)
    return StepExtras(
        parameters={**base.parameters, **(parameters or {})},
        materializers=materializers,
        model=model,
        substitutions={**base.substitutions, **(options.get("substitutions") or {})},
        extra={**base.extra, **(options.get("extra") or {})},
        environment={**base.environment, **environment_of(owner, options.get("environment"))},
        lifecycle={**base.lifecycle, **lifecycle_of(owner, options, ("start", "end"))},
    )


def lifecycle_of(owner: str, options: Mapping[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    """ZenML's ``on_<kind>=`` hooks among ``options``: functions, or their sources."""
    found = {}
    for kind in kinds:
        value = hook_sources(owner, f"on_{kind}", options.get(f"on_{kind}"))
        if value is None:
            continue
        if not callable(value):
            raise DefinitionError(f"on_{kind}= of {owner} must be a function, got {value!r}.")
        found[kind] = value
    return found


def lifecycle_json(hooks: Mapping[str, Any], init_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The hooks as an attempt finds them (runtimes.lifecycle_hooks): their locators."""
    docs: dict[str, Any] = {k: {"locator": locate(f).to_json()} for k, f in hooks.items()}
    if "init" in docs and init_kwargs:
        docs["init"]["kwargs"] = dict(init_kwargs)
    return docs


def hook_sources(owner: str, kind: str, value: Any) -> Any:
    """``value`` with each of ZenML's hook sources in it turned into its function: a
    ``"module.function"`` string (as ZenML takes one in code and as a run configuration's
    ``failure_hook_source``/``success_hook_source``), or a Source mapping (``module`` and
    ``attribute``). The module is imported as a worker imports a step's, from the project's
    source root if need be; a source that names no function is an error saying so."""
    if isinstance(value, list | tuple):
        return type(value)(hook_sources(owner, kind, v) for v in value)
    if isinstance(value, Mapping) and "module" in value:
        value = ".".join(str(p) for p in (value["module"], value.get("attribute")) if p)
    if not isinstance(value, str):
        return value
    module_name, _sep, attribute = value.rpartition(".")
    found: Any = None
    if module_name:
        from dagwell.artifact_store.script_classes import import_module

        try:
            found = getattr(import_module(module_name), attribute, None)
        except ImportError as error:
            raise DefinitionError(
                f"{kind}={value!r} of {owner}: module {module_name!r} cannot be imported "
                f"({error}); a hook source is 'module.function', importable from the project."
            ) from None
    if not callable(found):
        raise DefinitionError(
            f"{kind}={value!r} of {owner} names no function: a hook is a callable, or its "
            "source 'module.function' (as ZenML's hook sources are written)."
        )
    return found


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


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:
        return False


#: How a step called outside a pipeline runs as a pipeline of its own: set by
#: dagwell.api.pipelines (which builds on this module, so this one cannot import it) when it
#: loads, and dagwell.api loads it with any of its modules.
_ALONE: list[Callable[[Step, tuple[Any, ...], dict[str, Any]], Any]] = []


def run_alone_with(runner: Callable[[Step, tuple[Any, ...], dict[str, Any]], Any]) -> None:
    _ALONE[:] = [runner]


#: ZenML's switch (and dagwell's name for it) for calling a step outside a pipeline as the
#: bare function instead of a run of its own; true as ZenML reads booleans from the env.
_WITHOUT_STACK = ("ZENML_RUN_SINGLE_STEPS_WITHOUT_STACK", "DAGWELL_RUN_SINGLE_STEPS_WITHOUT_STACK")


def _run_without_stack() -> bool:
    import os

    return any(os.environ.get(name) in ("1", "y", "yes", "True", "true") for name in _WITHOUT_STACK)
