"""ZenML's run configuration: the YAML file of ``with_options(config_path=...)`` and the
matching keyword arguments, turned into dagwell pipeline and step options.

The schema is ZenML's: top-level ``enable_cache``, ``run_name``, ``parameters``,
``settings``, ``model``, ``retry``, ``schedule``, ``substitutions``, ``extra``, ``tags``,
``failure_hook_source``/``success_hook_source`` (a hook's ``module.function``) and ``steps``
(per invocation id: ``parameters``, ``enable_cache``, ``settings``, ``retry``, ``model``,
``substitutions``, ``extra``, the hook sources). Keys ZenML has for features dagwell lacks
are refused with what to do instead; unknown keys are ignored with a warning (ZenML ignores
them silently).
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

from dagwell.core.errors import DefinitionError

_TOP = {
    "enable_cache",
    "run_name",
    "parameters",
    "settings",
    "model",
    "retry",
    "schedule",
    "substitutions",
    "extra",
    "tags",
    "steps",
    "failure_hook_source",
    "success_hook_source",
    "enable_artifact_metadata",
    "enable_artifact_visualization",
    "enable_step_logs",
    "enable_pipeline_logs",
}
_STEP = {
    "parameters",
    "enable_cache",
    "settings",
    "retry",
    "model",
    "substitutions",
    "extra",
    "failure_hook_source",
    "success_hook_source",
    "enable_artifact_metadata",
    "enable_artifact_visualization",
    "enable_step_logs",
    "name",
}
_REFUSED = {
    "build": "dagwell builds no images",
    "stack": "dagwell has no stacks; choose orchestrator= in code",
    "experiment_tracker": "dagwell has no experiment trackers",
    "step_operator": "dagwell runs each step on its orchestrator",
    "outputs": "name outputs with Annotated/ArtifactConfig and pick materializers with "
    "output_materializers= in code",
    "environment": "set env in settings: {kubernetes: {env: {...}}} or in the shell",
    "secrets": "dagwell has no secret store",
    "cache_policy": "dagwell's cache key is the source, inputs and parameters",
}


_ENV_PLACEHOLDER = re.compile(r"\$\{([a-zA-Z0-9_]+)\}")


def substitute_env(value: Any, where: str) -> Any:
    """``value`` with ZenML's environment placeholders filled in: ``${NAME}`` in any string
    in it (in dicts, lists, tuples and sets, keys too) becomes the environment variable's
    value, as ZenML fills a run's configuration in when the run is compiled; a variable
    that is not set is an error naming it. A value with no placeholder is returned as it
    is (the same object), as is one no configuration could hold (a container that holds
    itself, or nested deeper than 100); other objects are the step's own values."""
    if not _has_placeholder(value):
        return value
    return _filled(value, where)


_CONTAINERS = (dict, list, tuple, set, frozenset)


def _has_placeholder(value: Any) -> bool:
    """Whether a ``${...}`` is in ``value``'s strings, walked without recursion; False for
    a value that holds itself or is nested deeper than 100 (no run configuration is)."""
    todo, seen = [(value, 0)], set()
    found = False
    while todo:
        item, depth = todo.pop()
        if isinstance(item, str):
            found = found or "${" in item
            continue
        if type(item) not in _CONTAINERS:
            continue
        if id(item) in seen or depth > 100:
            return False
        seen.add(id(item))
        children = [*item.keys(), *item.values()] if type(item) is dict else list(item)
        todo.extend((child, depth + 1) for child in children)
    return found


def _filled(value: Any, where: str) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise DefinitionError(
                    f"{where}: unable to substitute environment variable placeholder "
                    f"'{name}' because the environment variable is not set; set it, or "
                    f"leave ${{{name}}} out."
                )
            return os.environ[name]

        return _ENV_PLACEHOLDER.sub(fill, value)
    if type(value) is dict:
        return {_filled(k, where): _filled(v, where) for k, v in value.items()}
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_filled(v, where) for v in value)
    return value  # (other objects, and subclasses of these, are the step's own values)


#: ZenML's run configuration keys for hooks, and the options they set.
_HOOK_SOURCES = {"failure_hook_source": "on_failure", "success_hook_source": "on_success"}


def load_config(path: str | Path) -> dict[str, Any]:
    import yaml  # type: ignore[import-untyped]

    file = Path(path)
    if not file.is_file():
        raise DefinitionError(f"config_path={str(path)!r}: no such file.")
    data = yaml.safe_load(file.read_text()) or {}
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: a run configuration is a mapping of keys, got a list.")
    return data


def _check(keys: set[str], allowed: set[str], where: str) -> None:
    for key in sorted(keys):
        if key in _REFUSED:
            raise DefinitionError(f"{where}: {key!r} is not supported by dagwell: {_REFUSED[key]}.")
        if key not in allowed:
            # ZenML 0.98 drops keys it does not know (its configuration models ignore
            # extras, and its own starter template carries a stray ``test_size:``), so a
            # refusal would stop code that runs there; a warning keeps it from being silent.
            warnings.warn(
                f"{where}: unknown key {key!r} is ignored, as ZenML ignores it; known keys: "
                f"{', '.join(sorted(allowed))}. A pipeline or step parameter goes under "
                "'parameters:'.",
                UserWarning,
                stacklevel=2,
            )


def _model(value: Any) -> Any:
    if value is None or type(value).__name__ == "Model":
        return value
    from dagwell.api.model import Model

    if isinstance(value, dict):
        return Model(**value)
    raise DefinitionError(f"model must be a mapping of Model fields, got {value!r}.")


def _retry(value: Any) -> Any:
    from dagwell.core.settings import StepRetryConfig

    return (
        value if value is None or isinstance(value, StepRetryConfig) else StepRetryConfig(**value)
    )


def _schedule(value: Any) -> Any:
    from dagwell.core.schedule import Schedule

    if value is None or isinstance(value, Schedule):
        return value
    if not isinstance(value, dict):
        raise DefinitionError(
            f"schedule must be a mapping of Schedule fields (cron_expression: '0 3 * * *'), "
            f"got {value!r}."
        )
    unknown = sorted(set(value) - set(Schedule.__dataclass_fields__))
    if unknown:
        raise DefinitionError(
            f"schedule: {', '.join(map(str, unknown))} is not a Schedule field; it has "
            f"{', '.join(Schedule.__dataclass_fields__)}."
        )
    return Schedule(**value)


def step_options(step_id: str, config: Any, where: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise DefinitionError(f"{where}: steps.{step_id} must be a mapping.")
    _check(set(config), _STEP, f"{where}: steps.{step_id}")
    options = {
        k: v
        for k, v in config.items()
        if k in _STEP and (not k.startswith("enable_") or k == "enable_cache")
    }
    options.pop("name", None)
    for source, kind in _HOOK_SOURCES.items():
        if source in options:
            options[kind] = options.pop(source)
    if "model" in options:
        options["model"] = _model(options["model"])
    if "retry" in options:
        options["retry"] = _retry(options["retry"])
    return options


def merge(options: dict[str, Any], config: dict[str, Any], where: str) -> dict[str, Any]:
    """Pipeline options with a run configuration applied (the configuration wins over the
    decorator; explicit keyword arguments win over both, applied by the caller)."""
    _check(set(config), _TOP, where)
    out = dict(options)
    for key in ("enable_cache", "run_name", "substitutions", "extra", "settings"):
        if key in config:
            value = config[key]
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                value = {**out[key], **value}
            out[key] = value
    if "parameters" in config:
        out["parameters"] = {**(out.get("parameters") or {}), **(config["parameters"] or {})}
    if "model" in config:
        from dagwell.api.model import Model

        model, old = _model(config["model"]), out.get("model")
        # (ZenML: the file's model fields over the decorator's Model, the rest kept)
        if isinstance(model, Model) and isinstance(old, Model):
            model = old.updated_by(model)
        out["model"] = model
    if "retry" in config:
        out["retry"] = _retry(config["retry"])
    for source, kind in _HOOK_SOURCES.items():  # (a hook's source: 'module.function')
        if config.get(source) is not None:
            out[kind] = config[source]
    if "schedule" in config:
        out["schedule"] = _schedule(config["schedule"])
    if "steps" in config:
        steps = dict(out.get("steps") or {})
        for step_id, step_config in (config["steps"] or {}).items():
            steps[step_id] = {**steps.get(step_id, {}), **step_options(step_id, step_config, where)}
        out["steps"] = steps
    return out


class Configuration(dict[str, Any]):
    """ZenML's ``pipeline.configuration`` / ``step.configuration``: the options as set,
    read as attributes (``.settings["resources"]``, ``.enable_cache``) or as keys."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"the configuration has no {name!r}; it has {', '.join(self)}"
            ) from None
