"""The ``@pipeline`` decorator: a function that wires steps becomes a runnable pipeline.

Calling a Pipeline traces its function into a plan and runs it to the end, blocking,
returning the recorded :class:`~dagwell.client.PipelineRun` (or raising RunFailedError).
Inside an attempt process (``DAGWELL_ATTEMPT`` set), and while dagwell loads a script
only to find its steps (a worker, ``dagwell runs resume``/``runs stop``: see
:func:`dagwell.runtimes.locator.looking_up`), a pipeline call does nothing, so a script
that calls its pipeline at import time can be loaded without starting another run. Called
from a step's own code, though, a pipeline raises: the attempt process records nothing, so
the run would never happen, and returning None would tell the step it did.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import json
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dagwell.api.function_source import FunctionSource
from dagwell.api.model import Model
from dagwell.api.steps import (
    COSMETIC_OPTIONS,
    DYNAMIC_PIPELINES,
    Step,
    asks_for_nothing,
    check_priority,
    environment_of,
    hook_sources,
    lifecycle_json,
    lifecycle_of,
    parse_settings,
    run_alone_with,
)
from dagwell.api.tracing import current_trace, tracing
from dagwell.core.context import current_step
from dagwell.core.errors import ConfigError, DefinitionError, StepContextError
from dagwell.core.home import Home, resolve_home
from dagwell.core.hooks import Hooks, check_hooks
from dagwell.core.names import check_name
from dagwell.core.plan import Plan, run_substitutions, shown_as_parameter
from dagwell.core.records import PipelineName, PipelineRun, RunFailedError
from dagwell.core.schedule import Schedule
from dagwell.core.units import check_seconds
from dagwell.runtimes.locator import looking_up, made_inert

if TYPE_CHECKING:
    from dagwell.api.pipeline_config import Configuration
    from dagwell.core.settings import ResourceSettings, StepRetryConfig

log = logging.getLogger("dagwell")

#: A run configuration file's enable_cache (config_path=), which ZenML applies to every step.
_RUN_CACHE = "_run_enable_cache"
#: The run configuration file a pipeline was given (config_path=): ZenML applies it again
#: when a run starts, over what configure()/with_options() changed since (see _run_copy).
_CONFIG_FILE = "_config_file"
#: What a run configuration file sets that ZenML takes as run arguments when the run starts,
#: where what the code gave wins (with_options(run_name=, steps=, schedule=)).
_RUN_ARGS = frozenset({"run_name", "steps", "schedule"})

_OPTIONS = (
    "name",
    "environment",
    "on_start",
    "on_end",
    "on_init",
    "on_init_kwargs",
    "on_cleanup",
    "enable_cache",
    "retry",
    "infra_retries",
    "hook_timeout",
    "on_failure",
    "on_success",
    "on_retry",
    "settings",
    "orchestrator",
    "schedule",
    "alerters",
    "priority",
    "model",
    "run_name",
    "parameters",
    "steps",
    "substitutions",
    "extra",
    "execution_mode",
)
#: ZenML's execution modes (zenml.enums.ExecutionMode values) as dagwell's on_failure modes.
_EXECUTION_MODES = {
    "continue_on_failure": "continue",
    "stop_on_failure": "stop",
    "fail_fast": "fail_fast",
}
#: ZenML pipeline options for features dagwell does not have.
_UNSUPPORTED = {
    "secrets": "dagwell has no secret store; read secrets from the environment",
    "cache_policy": "dagwell's cache key is the steps' source, inputs and parameters",
    "build": "dagwell builds no images",
    "unlisted": "dagwell has no server-side listings",
    "prevent_build_reuse": "dagwell builds no images",
    "enable_heartbeat": "dagwell's orchestrator always heartbeats; remove enable_heartbeat=",
    "dynamic": DYNAMIC_PIPELINES,
    "on_pause": "dagwell runs do not pause",
    "on_resume": "dagwell has no resume hooks; `dagwell runs resume` continues a run",
}
_DEFERRED: ContextVar[list[tuple[Pipeline, tuple[Any, ...], dict[str, Any]]] | None] = ContextVar(
    "dagwell_deferred_calls", default=None
)


@contextmanager
def deferring_calls() -> Iterator[list[tuple[Pipeline, tuple[Any, ...], dict[str, Any]]]]:
    """While loading a file for ``dagwell run``, record pipeline calls instead of running."""
    calls: list[tuple[Pipeline, tuple[Any, ...], dict[str, Any]]] = []
    token = _DEFERRED.set(calls)
    try:
        yield calls
    finally:
        _DEFERRED.reset(token)


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        try:
            json.dumps(value)
            out[key] = value
        except (TypeError, ValueError, RecursionError):  # (RecursionError: nested too deep)
            shown = shown_as_parameter(value)  # a pydantic model: its fields, as in ZenML
            out[key] = _repr(value) if shown is None else shown
    return out


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except RecursionError:
        return f"<a {type(value).__name__} nested too deep to show>"


class Pipeline(FunctionSource):
    def __init__(
        self,
        func: Callable[..., Any],
        options: dict[str, Any],
        explicit: frozenset[str] = frozenset(),
    ) -> None:
        if not inspect.isfunction(func):
            raise DefinitionError(
                f"@pipeline decorates a function defined with def, got {type(func).__name__}."
            )
        self.func = func
        owner = f"pipeline {options.get('name') or func.__name__!r}"
        options = dict(options)
        config_path = options.pop("config_path", None)
        if config_path is not None:
            from dagwell.api.pipeline_config import load_config, merge

            given = {k: v for k, v in options.items() if k in explicit}
            config = load_config(config_path)
            options = {**merge(options, config, str(config_path)), **given}
            if config.get("enable_cache") is not None and "enable_cache" not in given:
                # ZenML's run configuration: its enable_cache is every step's too
                options[_RUN_CACHE] = bool(config["enable_cache"])
            options[_CONFIG_FILE] = str(config_path)
        elif options.get(_CONFIG_FILE) is not None and explicit:
            _warn_reapplied(options, explicit, stacklevel=4)
        self.options = dict(options)
        self.cascade_tags: list[str] = []
        self.run_tags: list[dict[str, Any]] = []
        for key in list(self.options):
            if key in _UNSUPPORTED and asks_for_nothing(self.options[key]):
                del self.options[key]
                continue
            if key in _UNSUPPORTED:
                raise DefinitionError(f"{key}= is not supported ({owner}): {_UNSUPPORTED[key]}.")
            if key == "tags":  # kept: with_options copies them
                self.run_tags, self.cascade_tags = _run_tags(owner, self.options[key])
            elif key in COSMETIC_OPTIONS:
                warnings.warn(
                    f"{key}= has no effect in dagwell ({owner}); it is ignored.", stacklevel=4
                )
                self.options.pop(key)
            elif key not in _OPTIONS and key not in (_RUN_CACHE, _CONFIG_FILE):
                raise DefinitionError(
                    f"Unknown option {key}= for {owner}; known options: {', '.join(_OPTIONS)}."
                )
        self.environment = environment_of(owner, self.options.get("environment"))
        kinds = ("start", "end", "init", "cleanup")
        self.lifecycle = lifecycle_of(owner, self.options, kinds)
        self.init_kwargs = dict(self.options.get("on_init_kwargs") or {})
        try:  # (they travel to each attempt in its step context)
            json.dumps(self.init_kwargs)
        except (TypeError, ValueError):
            raise DefinitionError(
                f"on_init_kwargs= of {owner} must be JSON values (numbers, strings, lists, "
                "dicts): they reach every step's process."
            ) from None
        name = self.options.get("name")
        self.name: str = check_name(func.__name__ if name is None else name, "Pipeline name")
        self.enable_cache = self.options.get("enable_cache", True)
        if not isinstance(self.enable_cache, bool):
            raise DefinitionError(f"enable_cache= of {owner} must be True or False.")
        retry = self.options.get("retry")
        if retry is not None:
            from dagwell.core.settings import StepRetryConfig

            if not isinstance(retry, StepRetryConfig):
                if not isinstance(retry, Mapping):
                    raise DefinitionError(f"retry= of {owner} must be a StepRetryConfig(...).")
                retry = StepRetryConfig(**retry)
        self.retry: StepRetryConfig | None = retry
        infra = self.options.get("infra_retries", 2)
        if isinstance(infra, bool) or not isinstance(infra, int) or infra < 0:
            raise DefinitionError(f"infra_retries= of {owner} must be a whole number >= 0.")
        self.infra_retries: int = infra
        try:
            timeout = check_seconds(
                self.options.get("hook_timeout", 60.0), what=f"hook_timeout= of {owner}"
            )
        except ConfigError as error:
            raise DefinitionError(str(error)) from None
        self.hook_timeout: float = float(timeout or 60.0)
        on_failure = self.options.get("on_failure")
        self.failure_mode = _execution_mode(owner, self.options.get("execution_mode"))
        if isinstance(on_failure, str) and "." not in on_failure:  # (else a hook's source)
            if on_failure not in ("stop", "continue"):
                raise DefinitionError(
                    f"on_failure={on_failure!r} of {owner}: use 'stop' (start nothing new after "
                    "a failure), 'continue' (run everything not downstream of it), or a hook "
                    "(a function, or its source 'module.function')."
                )
            self.failure_mode = on_failure
            on_failure = None
        given = {**self.options, "on_failure": on_failure}
        self.hooks = Hooks(
            **{
                kind: check_hooks(owner, kind, hook_sources(owner, kind, given.get(kind)))
                for kind in ("on_failure", "on_retry", "on_success")
            }
        )
        self.settings = parse_settings(owner, self.options.get("settings"))
        self.alerters: tuple[Any, ...] = ()
        if self.options.get("alerters") is not None:
            from dagwell.engine.alerts import check_alerters

            self.alerters = check_alerters(owner, self.options["alerters"])
        self.orchestrator = self.options.get("orchestrator")
        self.priority = check_priority(owner, self.options.get("priority"))
        self.schedule = self.options.get("schedule")
        if self.schedule is not None and not isinstance(self.schedule, Schedule):
            raise DefinitionError(
                f"schedule= of {owner} must be a dagwell Schedule(cron_expression=...), got "
                f"{type(self.schedule).__name__}."
            )
        self._model = self.options.get("model")
        if self._model is not None and type(self._model).__name__ != "Model":
            raise DefinitionError(f"model= of {owner} must be a Model(name=...).")
        self.run_name: str | None = self.options.get("run_name")
        self.substitutions: dict[str, str] = dict(self.options.get("substitutions") or {})
        self.extra: dict[str, Any] = dict(self.options.get("extra") or {})
        self.parameters: dict[str, Any] = dict(self.options.get("parameters") or {})
        self.signature = inspect.signature(func)
        unknown = sorted(set(self.parameters) - set(self.signature.parameters))
        if unknown:
            raise DefinitionError(
                f"parameters= of {owner} names {', '.join(unknown)}, which the pipeline "
                f"function does not take; it takes {', '.join(self.signature.parameters)}."
            )
        self.step_options: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in (self.options.get("steps") or {}).items()
        }
        functools.update_wrapper(self, func, updated=())

    @property
    def configuration(self) -> Configuration:
        """The pipeline's options as ZenML shows them (``my_pipeline.configuration``)."""
        from dagwell.api.pipeline_config import Configuration

        return Configuration(
            {
                "name": self.name,
                "enable_cache": self.enable_cache,
                "run_name": self.run_name,
                "parameters": dict(self.parameters),
                "substitutions": dict(self.substitutions),
                "extra": dict(self.extra),
                "model": self._model,
                "settings": dict(self.options.get("settings") or {}),
                "steps": {k: dict(v) for k, v in self.step_options.items()},
            }
        )

    @property
    def model(self) -> Any:
        """ZenML's ``my_pipeline.model``: the pipeline as registered by its runs (its
        PipelineResponse: ``.last_run``, ``.runs``, ``.name``), not its ``model=`` (that is
        ``configuration.model``); a RuntimeError before the pipeline has run, as in ZenML."""
        from dagwell.api.client import Client

        client = Client()
        if not client.list_runs(limit=1, pipeline=self.name):
            raise RuntimeError(
                f"Cannot get the model of pipeline {self.name!r} because it has not run yet "
                f"in this home; call {self.name}() first."
            )
        from dagwell.api.zenml_client import PipelineView

        return PipelineView(self.name, client)

    @property
    def required_parameters(self) -> list[str]:
        """The pipeline function's parameters without a default, in order (ZenML's)."""
        return [
            p.name
            for p in self.signature.parameters.values()
            if p.default is inspect.Parameter.empty
        ]

    @property
    def missing_parameters(self) -> list[str]:
        """The required parameters no ``parameters=`` (or run configuration) gives yet."""
        return [p for p in self.required_parameters if p not in self.parameters]

    def copy(self) -> Pipeline:
        """ZenML's: a pipeline configured as this one, to configure apart from it."""
        return Pipeline(self.func, dict(self.options), frozenset())

    def configure(self, **options: Any) -> Pipeline:
        """ZenML's in-place form of :meth:`with_options`: changes this pipeline."""
        self.__dict__.update(self.with_options(**options).__dict__)
        return self

    def __repr__(self) -> str:
        return f"<dagwell pipeline {self.name!r}>"

    def with_options(self, **options: Any) -> Pipeline:
        """A copy with options changed, e.g. ``.with_options(orchestrator=...)``, and
        ZenML's ``config_path=`` (a YAML run configuration), ``run_name=``,
        ``parameters=``, ``steps={id: {...}}``, ``model=``, ``settings=``."""
        return Pipeline(self.func, merged_options(self.options, options), frozenset(options))

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        """Trace the pipeline function into a plan without running anything."""
        from dagwell.api.pipeline_config import substitute_env
        from dagwell.engine.runner import TracedPipeline, hooks_by_step

        bound = self._bind(args, kwargs)
        for key, value in bound.arguments.items():  # (ZenML's ${ENV_VAR} placeholders)
            bound.arguments[key] = substitute_env(value, f"parameter {key!r} of {self.name!r}")
        from dagwell.api.context import _PIPELINE, PipelineContext

        self._models: dict[int, dict[str, Any]] = {}
        # One moment for the whole run: its name's and its model version's {date}/{time}.
        self._started = datetime.datetime.now()
        context = PipelineContext(
            name=self.name,
            enable_cache=self.enable_cache,
            settings=dict(self.options.get("settings") or {}),
            extra=dict(self.extra),
            model=self._model,
        )
        token = _PIPELINE.set(context)
        try:
            with tracing(self.name, self.step_options) as trace:
                self.func(*bound.args, **bound.kwargs)
        finally:
            _PIPELINE.reset(token)
        if not trace.specs:
            raise DefinitionError(
                f"Pipeline {self.name!r} called no steps. Call at least one @step function "
                "inside it."
            )
        from dagwell.core.retry import NO_RETRY

        defaults: ResourceSettings | None = self.settings.resources
        where = f"pipeline {self.name!r}"
        run_settings = substitute_env(settings_json(self.options.get("settings")), where)
        # ZenML's run.config.substitutions: the run's {date} and {time} with the pipeline's
        self._substitutions = run_substitutions(self.substitutions, self._started)
        self._run_extra = substitute_env(
            _json_able(self.extra, f"extra= of pipeline {self.name!r}"), where
        )
        configs: dict[int, dict[str, Any]] = {}
        run_cache: bool | None = self.options.get(_RUN_CACHE)  # a YAML's, over every step's
        own_sections = self.step_options  # (ZenML: a steps.<id> section wins over run_cache)
        specs = {}
        for step_id, spec in trace.specs.items():
            step = trace.steps[step_id]
            step_cache = (
                step.enable_cache
                if run_cache is None or "enable_cache" in own_sections.get(step_id, {})
                else run_cache
            )
            changes: dict[str, Any] = {
                "retry": step.retry or self.retry or NO_RETRY,
                "enable_cache": self.enable_cache if step_cache is None else step_cache,
            }
            if step.resources is None and defaults is not None:
                changes.update(
                    memory=defaults.memory_bytes, cpu=defaults.cpu_count, gpu=defaults.gpu_count
                )
            if step.priority is None and self.priority is not None:
                changes["priority"] = self.priority
            if step.pod is None and self.settings.pod is not None:
                changes["pod"] = self.settings.pod
            step_context = self._step_context(spec.context, step)
            if step_context:
                changes["context"] = step_context
            step_config = configs.get(id(step))
            if step_config is None:  # once per step object: a fan-out calls one step 10k times
                own = {"resources": step.resources, "kubernetes": step.pod}
                step_settings = settings_json({k: v for k, v in own.items() if v is not None})
                step_config = configs[id(step)] = {
                    "enable_cache": step_cache,
                    # ZenML merges the pipeline's settings under the step's own
                    "settings": {**run_settings, **step_settings},
                    "substitutions": {**self._substitutions, **step.extras.substitutions},
                    "extra": {  # (as ZenML's, the pipeline's under the step's own)
                        **self._run_extra,
                        **substitute_env(
                            _json_able(step.extras.extra, f"extra= of step {step.name!r}"),
                            f"step {step.name!r}",
                        ),
                    },
                    # ZenML's step_run.model_version: the step's own model's only
                    **({"model": step_context["model"]} if step.extras.model is not None else {}),
                }
            changes["config"] = step_config
            given = {}
            for name, item in spec.inputs.items():  # (ZenML fills ${ENV_VAR} in them too)
                filled = substitute_env(item.value, f"step {step_id!r}")
                if item.source == "value" and filled is not item.value:
                    given[name] = replace(item, value=filled)
            if given:
                changes["inputs"] = {**spec.inputs, **given}
            specs[step_id] = replace(spec, **changes)
        sources: dict[str, dict[str, Any]] = {}
        for step in trace.steps.values():  # (once per step function: a fan-out shares one)
            if step.source_hash not in sources:
                sources[step.source_hash] = _source_of(step.func)
        plan = Plan(
            pipeline=self.name,
            steps=specs,
            params=_json_params(bound.arguments),
            infra_retries=self.infra_retries,
            failure_mode=self.failure_mode,  # type: ignore[arg-type]
            hook_timeout=self.hook_timeout,
            sources=sources,
            run_name=substitute_env(self.run_name, f"run_name of {self.name!r}"),
            substitutions=dict(self.substitutions),
            config={
                "enable_cache": self.options.get("enable_cache"),
                "settings": run_settings,
                "substitutions": self._substitutions,
                "extra": self._run_extra,
                "tags": list(self.run_tags),
                # (ZenML's run.model_version: the pipeline's, made even if no step used it)
                **(
                    {"model": self._model_version(self._model, self._substitutions)}
                    if self._model is not None
                    else {}
                ),
            },
        )
        return TracedPipeline(
            plan=plan,
            functions={sid: step.func for sid, step in trace.steps.items()},
            hooks=hooks_by_step(trace.steps, self.hooks),
            alerters=self.alerters,
            started=self._started,
            steps=dict(trace.steps),
        )

    def prepare(self, *args: Any, **kwargs: Any) -> None:
        """ZenML's: trace the pipeline with these arguments, without running it; its
        :attr:`invocations` then show each step call (see dagwell.api.invocations)."""
        from dagwell.api.invocations import invocations_of

        self._preparing = True  # (a model's version is made by a run, not here)
        try:
            self._invocations = invocations_of(self.trace(*args, **kwargs))
        finally:
            self._preparing = False

    @property
    def invocations(self) -> dict[str, Any]:
        """ZenML's: the step calls :meth:`prepare` traced, by invocation id ({} before)."""
        return dict(getattr(self, "_invocations", {}))

    @property
    def is_prepared(self) -> bool:
        return bool(self.invocations)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> inspect.BoundArguments:
        try:
            bound = self.signature.bind_partial(*args, **kwargs)
            for key, value in self.parameters.items():
                bound.arguments.setdefault(key, value)
            bound = self.signature.bind(*bound.args, **bound.kwargs)
        except TypeError as error:
            raise DefinitionError(
                f"Pipeline {self.name!r} was called with the wrong arguments: {error}. Its "
                f"signature is {self.name}{self.signature}."
            ) from None
        bound.apply_defaults()
        return bound

    def _step_context(self, context: dict[str, Any] | None, step: Any) -> dict[str, Any]:
        """A step's context with its run's model version (the step's model, else the
        pipeline's) and the pipeline's substitutions."""
        out = dict(context or {})
        config = out.pop("model_config", None)
        if self.cascade_tags:
            out["cascade_tags"] = list(self.cascade_tags)
        if self._run_extra:
            out["run_extra"] = self._run_extra
        hooks = {**self.lifecycle, **step.extras.lifecycle}  # (a step's own on_start wins)
        if hooks:
            out["lifecycle_hooks"] = lifecycle_json(hooks, self.init_kwargs)
        environment = {**self.environment, **step.extras.environment}  # (the step's wins)
        if environment:
            out["environment"] = environment
        # (every name a step formats takes the run's {date}/{time}, as in ZenML)
        out["substitutions"] = {**self._substitutions, **out.get("substitutions", {})}
        model = step.extras.model if config is not None else self._model
        if model is not None:
            out["model"] = self._model_version(model, out["substitutions"])
            # (what get_step_context().model answers besides its version: the fields it
            # is configured with, as ZenML's step context gives the configured Model)
            fields = {k: v for k, v in model.fields().items() if v not in (None, [])}
            if fields:
                out["model"] = {**out["model"], "fields": fields}
        return out

    def _model_version(self, model: Any, substitutions: dict[str, str]) -> dict[str, Any]:
        """The run's version of ``model`` (made or found once per run), as recorded."""
        doc = self._models.get(id(model))
        if doc is None and getattr(self, "_preparing", False):  # (prepare makes nothing)
            return {"name": model.name, "version": None, "number": None}
        if doc is None:
            doc = model._create_version(self._artifact_store(), substitutions, self._started)
            self._models[id(model)] = doc
        return {"name": doc["model"], "version": doc["name"], "number": doc["number"]}

    def _artifact_store(self) -> Any:
        from dagwell.artifact_store.store import open_artifact_store

        location = getattr(self.orchestrator, "artifact_store", None) or resolve_home().artifacts
        return open_artifact_store(location)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_trace() is not None:  # a pipeline called by another: its steps join it
            bound = self._bind(args, kwargs)
            return self.func(*bound.args, **bound.kwargs)
        if os.environ.get("DAGWELL_ATTEMPT"):
            inside = current_step()
            if inside is not None and not inside.in_hook:
                raise StepContextError(
                    f"Pipeline {self.name!r} was called inside step {inside.step_name!r}: a "
                    "step's process never records runs, so the pipeline would not run. Call "
                    "it after this run, from the script that runs it, or from a hook "
                    "(on_success=...: hooks run in the orchestrator)."
                )
            log.debug("pipeline %s called inside an attempt process: ignored", self.name)
            made_inert(self.name)
            return None
        deferred = _DEFERRED.get()
        if deferred is not None:
            deferred.append((self, args, kwargs))
            made_inert(self.name)
            return None
        if looking_up():
            log.debug("pipeline %s called by a script loaded to find its steps: ignored", self.name)
            made_inert(self.name)
            return None
        from dagwell.display.live import make_progress
        from dagwell.engine.runner import execute

        traced = self._run_copy().trace(*args, **kwargs)
        if self.schedule is not None:
            from dagwell.engine.detached import create_schedule

            return create_schedule(traced, self.orchestrator, self.schedule)
        if getattr(self.orchestrator, "synchronous", True) is False:
            from dagwell.engine.detached import submit

            if self.alerters:
                warnings.warn(
                    f"alerters= of pipeline {self.name!r} do not travel with a detached run; "
                    "give its orchestrator pod DAGWELL_ALERT_* env instead "
                    "(orchestrator_pod_settings=PodSettings(env={...})).",
                    stacklevel=2,
                )

            return submit(traced, self.orchestrator)  # returns at once, the run running
        # (resolved once: a hook or an in-process step may chdir, even into a folder it
        # then deletes, and the run's view must still read the run's own home)
        home = resolve_home()
        try:
            run = execute(traced, self.orchestrator, progress=make_progress(), home=home)
        except RunFailedError as error:
            _with_pipeline_view(error.run, home)
            raise
        return _with_pipeline_view(run, home)

    def _run_copy(self) -> Pipeline:
        """The pipeline as a run of it is configured: ZenML 0.98 applies its run
        configuration file again when the run is compiled (``_compile``:
        ``_reconfigure_from_file_with_overrides``), so what the file sets wins over what
        ``configure()``/``with_options()`` changed after it (dicts key by key), but for the
        run arguments given in code (run_name, steps, schedule)."""
        from dagwell.api.pipeline_config import load_config, merge

        path = self.options.get(_CONFIG_FILE)
        if path is None:
            return self
        config = {k: v for k, v in load_config(path).items() if k not in _RUN_ARGS}
        options = merge(self.options, config, path)
        if config.get("enable_cache") is not None:
            options[_RUN_CACHE] = bool(config["enable_cache"])
        return Pipeline(self.func, options)


def _warn_reapplied(options: Mapping[str, Any], explicit: frozenset[str], stacklevel: int) -> None:
    """ZenML's warning when code changes what the pipeline's run configuration file sets."""
    from dagwell.api.pipeline_config import load_config

    path = str(options[_CONFIG_FILE])
    config = load_config(path)
    changed = [
        k
        for k in sorted(explicit)
        if k in config and k not in _RUN_ARGS and options.get(k) != config[k]
    ]
    for key in changed:
        warnings.warn(
            f"The value of parameter '{key}' has changed from '{config[key]}' to "
            f"'{options.get(key)}' set in your configuration file {path}. Configuration file "
            "value will be used during pipeline run (as in ZenML), so your change will not "
            "be efficient. Consider updating your configuration file instead.",
            stacklevel=stacklevel,
        )


#: ZenML's longest text field: a longer source or docstring is cut to it, ending in "...".
_TEXT_MAX = 65535


def _source_of(func: Callable[..., Any]) -> dict[str, Any]:
    """What a step run records of its function: its source (decorator included; None when
    Python has none, as for a function made by exec) and its docstring, each cut to ZenML's
    longest text field as ZenML cuts them."""
    try:
        lines, first_line = inspect.getsourcelines(func)
        code: str | None = "".join(lines)
    except (OSError, TypeError):
        code, first_line = None, None

    def cut(text: str | None) -> str | None:
        return text if text is None or len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 3] + "..."

    from dagwell.artifact_store.script_classes import resolve_source

    return {
        "source_code": cut(code),
        "docstring": cut(func.__doc__),
        # (where a failure's traceback meets the step's code: ZenML's user_code_line)
        "first_line": first_line,
        "function": func.__name__,
        # ZenML's step.spec.source: the module from the project's source root
        "import_path": resolve_source(func).import_path,
    }


def _run_alone(step: Step, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """ZenML 0.98's run of a step called outside a pipeline (its steps/utils.py
    run_as_single_step_pipeline): a pipeline of just that step, named after it and
    uncached, whose outputs the call returns loaded back (None, the value, or a tuple)."""

    def single_step_pipeline() -> None:
        step(*args, **kwargs)

    run = Pipeline(single_step_pipeline, {"name": step.name, "enable_cache": False})()
    outputs = [version.load() for version in run.steps[step.name].regular_outputs.values()]
    if not outputs:
        return None
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


run_alone_with(_run_alone)


def merged_options(options: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with ``changes`` over them as ZenML's ``with_options``/``configure`` merges
    them: a dict (``substitutions=``, ``extra=``, ``parameters=``, ``settings=``,
    ``steps=``) updates the one there key by key, at every depth, and a ``model=`` the
    fields it was given (:meth:`Model.updated_by`); anything else replaces."""
    out = dict(options)
    for key, value in changes.items():
        old = out.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            out[key] = merged_options(old, value)
        elif key == "model" and isinstance(value, Model) and isinstance(old, Model):
            out[key] = old.updated_by(value)  # (only the fields the new one was given)
        elif key == "tags" and old and value:  # ZenML's: added to those there
            out[key] = [*_tag_list(old), *_tag_list(value)]
        else:
            out[key] = value
    return out


def _run_tags(owner: str, tags: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The pipeline's tags as each of its runs records them (dagwell.store.tags), and the
    names of its ``Tag(cascade=True)``, put on every output of its steps too (ZenML 0.98's
    step runner), which therefore cannot be exclusive."""
    from dagwell.api.tags import Tag, cascading, tag_names, tag_specs

    where = f"tags= of {owner}"
    specs, cascade = tag_specs(tags, where), cascading(tags)
    tag_names([t for t in _tag_list(tags) if isinstance(t, Tag) and t.cascade], where)
    return specs, cascade


def _tag_list(tags: Any) -> list[Any]:
    from dagwell.api.tags import Tag

    return [tags] if isinstance(tags, str | Tag) else list(tags or [])


def _json_able(extra: dict[str, Any], owner: str) -> dict[str, Any]:
    """The keys of ``extra`` a step can see (``pipeline_run.config.extra``): what JSON can
    carry to the attempt; any other is named once in a warning, never dropped silently."""
    kept = {}
    for key, value in extra.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            warnings.warn(
                f"{owner}: key {key!r} holds a {type(value).__name__}, which cannot travel to "
                "the steps; get_step_context().pipeline_run.config.extra leaves it out "
                "(get_pipeline_context().extra still has it).",
                stacklevel=4,
            )
            continue
        kept[key] = value
    return kept


def settings_json(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Settings as recorded for ``run.config.settings``: each object's fields as JSON."""
    recorded: dict[str, Any] = {}
    for key, value in (settings or {}).items():
        fields = (
            value.model_dump(mode="json", exclude_none=True)
            if hasattr(value, "model_dump")
            else value
        )
        recorded[key] = json.loads(json.dumps(fields, default=repr))
    return recorded


def _with_pipeline_view(run: PipelineRun, home: Home) -> PipelineRun:
    """The run a pipeline call returns answers ``run.pipeline.runs`` like ZenML's, read
    from the home the run was recorded in (never from the working directory of now)."""
    from dagwell.api.client import Client
    from dagwell.api.zenml_client import PipelineView

    client = Client(home.root, store_url=home.store_url, artifact_store=home.artifacts)
    if isinstance(run.pipeline, PipelineName):
        run.pipeline.view = PipelineView(str(run.pipeline), client)
    if run._plan.reader is None:  # .config reads the recorded plan, as a Client's run does
        run._plan.reader = lambda: client.store().run_plan(run.id)
    run._plan.find_model = client._model_version_of
    run._plan.find_tags = client._run_tags
    run._plan.find_stack = lambda: client.active_stack
    run._plan.find_index = lambda: client.store().run_index(run.id)
    return run


def pipeline(_func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Make a function a pipeline. Use as ``@pipeline`` or ``@pipeline(option=...)``.

    Options: ``name``, ``enable_cache`` (default True), ``retry`` (default StepRetryConfig
    for its steps), ``infra_retries`` (default 2 per step), ``hook_timeout`` (seconds a
    hook may run, default 60; hooks run beside the run, never block it), ``on_failure``
    ("continue", the default as in ZenML 0.98, "stop", or a hook), ``on_success`` and
    ``on_retry`` hooks, ``settings`` (defaults for steps, e.g.
    ``{"resources": ResourceSettings(memory="1GB")}``), ``orchestrator``,
    ``alerters`` (``WebhookAlerter``/``SlackAlerter``: run failed, OOM kill, long run).
    """
    if _func is not None:
        if options:
            raise DefinitionError("Use @pipeline or @pipeline(option=...), not both at once.")
        return Pipeline(_func, {})

    def decorate(func: Callable[..., Any]) -> Pipeline:
        return Pipeline(func, options)

    return decorate


def _execution_mode(owner: str, mode: Any) -> str:
    """ZenML's ``execution_mode=`` as a failure mode; without one, ZenML 0.98's default,
    CONTINUE_ON_FAILURE: a failure skips what is downstream of it, the rest runs on."""
    if mode is None:
        return "continue"
    value = str(getattr(mode, "value", mode)).lower()
    if value not in _EXECUTION_MODES:
        raise DefinitionError(
            f"execution_mode={mode!r} of {owner}: use ExecutionMode.CONTINUE_ON_FAILURE, "
            "STOP_ON_FAILURE or FAIL_FAST (from dagwell.enums)."
        )
    return _EXECUTION_MODES[value]
