"""What the ZenML-mirror modules share: the lazy export of names and the errors for
ZenML names dagwell does not have (naming the feature and what to use instead)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

#: ZenML names dagwell does not have, with what to do instead.
MISSING = {
    "BaseParameters": "dagwell passes parameters as plain function arguments",
    "Output": "name several outputs with Tuple[Annotated[T, 'name'], ...]",
    "StepContext": "call get_step_context() inside the step",
    "BaseSettings": "dagwell has ResourceSettings, StepRetryConfig and PodSettings only",
    "DockerSettings": "import it from dagwell.config",
    "SourceFileMode": "dagwell builds no images",
    "StackComponentType": "dagwell has no stack components",
    "ArtifactVisualization": "dagwell stores no visualizations",
    "ServiceMaterializer": "dagwell has no services (ZenML's model deployers) to store",
    "resolve_and_validate_hook": "pass the hook function itself as on_failure=/on_success=",
    "BaseOrchestrator": "dagwell has LocalOrchestrator and KubernetesOrchestrator",
    "BaseStepOperator": "dagwell runs each step on its orchestrator",
    "get_resource_settings": "use ResourceSettings",
    "show": "dagwell's dashboard is `dagwell ui`",
    "KubernetesStepOperatorSettings": "dagwell runs each step on its orchestrator; use "
    "KubernetesOrchestratorSettings",
    "KubernetesDeployerSettings": "dagwell has no model deployers",
    "KubernetesSandboxSettings": "dagwell has no sandboxes",
    "KubernetesStepOperatorFlavor": "dagwell has no flavors",
    "KubernetesOrchestratorFlavor": "dagwell has no flavors: use KubernetesOrchestrator(...)",
    "KubernetesOrchestratorConfig": "configure KubernetesOrchestrator(namespace=..., ...)",
    "DoesNotExistException": "dagwell's client raises KeyError for what does not exist, as "
    "ZenML's Client does (except KeyError)",
    "RunStoppedException": "a stopped run's running steps are killed; `dagwell stop` ends "
    "the run as stopped",
}


class ZenMLNameMissing(ImportError):
    """A ZenML name dagwell does not have. An ImportError (not an AttributeError), so
    ``from dagwell.x import Name`` shows this text instead of a bare "cannot import name"."""


def lazy_face(
    module: str, where: dict[str, str], names: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A ZenML-path module's ``__getattr__`` and ``__dir__`` (PEP 562): a name of ``where``
    is imported on first use and kept in the module (see :func:`lookup`); ``dir()`` lists
    ``names`` (its ``__all__``)."""
    namespace = sys.modules[module].__dict__

    def found(name: str) -> Any:
        value = lookup(module, where, name)
        namespace[name] = value
        return value

    def listed() -> list[str]:
        return list(names)

    return found, listed


def lookup(module: str, where: dict[str, str], name: str) -> Any:
    """``module.__getattr__``: a mapped name is imported on first use (``"pkg.mod"`` holds
    it under the same name, ``"pkg.mod:Other"`` under dagwell's own name for it); any other
    public name raises :class:`ZenMLNameMissing` saying what dagwell has instead."""
    target = where.get(name)
    if target is not None:
        where_from, _, own_name = target.partition(":")
        return getattr(importlib.import_module(where_from), own_name or name)
    if name.startswith("_"):
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    submodule = f"{module}.{name}"
    if submodule.removeprefix("dagwell.") in MISSING_MODULES:
        raise missing_module(submodule)
    try:
        found = importlib.util.find_spec(submodule)
    except ModuleNotFoundError:  # (a ZenML module dagwell lacks: said below, by name)
        found = None
    if found is not None:  # ``from dagwell.x import submodule``
        return importlib.import_module(submodule)
    if name in MISSING:
        raise ZenMLNameMissing(
            f"{name!r} is a ZenML name that dagwell does not have ({module}): {MISSING[name]}."
        )
    raise ZenMLNameMissing(
        f"{module} has no {name!r}: dagwell does not have this ZenML name. It mirrors "
        f"{', '.join(sorted(where)) or 'nothing else here'}; see the README's migration table."
    )


#: ZenML modules (below ``dagwell.``, as an import rename makes them) with no mirror here.
MISSING_MODULES = {
    "utils.docker_utils": "dagwell builds no images",
    "utils.yaml_utils": "use yaml.safe_load / yaml.safe_dump (PyYAML)",
    "constants": "dagwell has no ZenML constants; its settings are keyword arguments",
    "materializers.service_materializer": "dagwell has no services (ZenML's model deployers)",
    "materializers.numpy_materializer": "arrays are stored without a materializer: drop the "
    "import and output_materializers=",
    "materializers.pandas_materializer": "DataFrames are stored without a materializer "
    "(Parquet when pyarrow is installed): drop the import and output_materializers=",
    "integrations.mlflow": "MLflow is a ZenML stack component there (experiment tracker, "
    "model registry, model deployer), and dagwell has no stacks: import mlflow and log from "
    "inside the step (mlflow.start_run(), mlflow.log_metric(...)); drop experiment_tracker=",
    "integrations.wandb": "Weights & Biases is a ZenML stack component there (an experiment "
    "tracker), and dagwell has no stacks: import wandb and log from inside the step; drop "
    "experiment_tracker=",
    "integrations.neptune": "Neptune is a ZenML stack component there (an experiment "
    "tracker), and dagwell has no stacks: import neptune and log from inside the step; drop "
    "experiment_tracker=",
    "integrations.comet": "Comet is a ZenML stack component there (an experiment tracker), "
    "and dagwell has no stacks: import comet_ml and log from inside the step; drop "
    "experiment_tracker=",
    "integrations.slack": "its Slack alerter is a stack component; dagwell's alerters are "
    "given to the pipeline: @pipeline(alerters=[SlackAlerter(url=<incoming webhook>)]), "
    "from dagwell import SlackAlerter",
    "integrations.discord": "its Discord alerter is a stack component; dagwell's alerters are "
    "given to the pipeline: @pipeline(alerters=[WebhookAlerter(url=...)])",
    "integrations.evidently": "data validators are ZenML stack components, which dagwell "
    "lacks: call the library (evidently) inside a step",
    "integrations.deepchecks": "data validators are ZenML stack components, which dagwell "
    "lacks: call the library (deepchecks) inside a step",
    "integrations.great_expectations": "data validators are ZenML stack components, which "
    "dagwell lacks: call the library (great_expectations) inside a step",
    "integrations.s3": "artifact stores are ZenML stack components; point DAGWELL_ARTIFACT_STORE "
    "at an fsspec URL (s3://bucket/path) instead",
    "integrations.gcp": "its artifact store, orchestrator and step operator are stack "
    "components: point DAGWELL_ARTIFACT_STORE at gs://bucket/path, and run steps with "
    "KubernetesOrchestrator (GKE)",
    "integrations.aws": "its orchestrator, step operator and container registry are stack "
    "components: run steps with KubernetesOrchestrator (EKS), and point "
    "DAGWELL_ARTIFACT_STORE at s3://bucket/path",
    "integrations.azure": "its artifact store, orchestrator and step operator are stack "
    "components: point DAGWELL_ARTIFACT_STORE at az://container/path, and run steps with "
    "KubernetesOrchestrator (AKS)",
    "integrations.kubeflow": "orchestrators are ZenML stack components: dagwell runs "
    "pipelines with LocalOrchestrator or KubernetesOrchestrator (orchestrator=)",
    "integrations.airflow": "orchestrators are ZenML stack components: dagwell runs "
    "pipelines with LocalOrchestrator or KubernetesOrchestrator (orchestrator=)",
}


#: ZenML 0.98's top-level packages and modules: below ``dagwell.`` only these are ZenML names
#: after an import rename. Any other missing ``dagwell.*`` module is simply missing, so that
#: ``importlib.util.find_spec`` answers None for it, as for any package.
ZENML_PACKAGES = frozenset(
    [
        "alerter",
        "analytics",
        "annotators",
        "artifact_stores",
        "artifacts",
        "cli",
        "client",
        "client_lazy_loader",
        "code_repositories",
        "config",
        "console",
        "constants",
        "container_engines",
        "container_registries",
        "data_validators",
        "deployers",
        "dispatcher",
        "entrypoints",
        "enums",
        "environment",
        "exceptions",
        "execution",
        "experiment_trackers",
        "feature_stores",
        "hooks",
        "image_builders",
        "integrations",
        "io",
        "log_stores",
        "logger",
        "login",
        "materializers",
        "metadata",
        "model",
        "model_deployers",
        "model_registries",
        "models",
        "orchestrators",
        "pipelines",
        "secret",
        "service_connectors",
        "services",
        "stack",
        "stack_deployments",
        "step_operators",
        "steps",
        "streaming",
        "triggers",
        "types",
        "utils",
        "webhooks",
        "zen_server",
        "zen_stores",
    ]
)


def is_zenml_module(fullname: str) -> bool:
    """Whether ``dagwell.<rest>`` names a module below one of ZenML's top-level packages."""
    rest = fullname.removeprefix("dagwell.")
    return fullname.startswith("dagwell.") and rest.split(".", 1)[0] in ZENML_PACKAGES


class ZenMLModuleMissing(ModuleNotFoundError):
    """A ZenML module dagwell does not mirror, with what to do instead."""


def missing_module(fullname: str) -> ZenMLModuleMissing:
    """The error for ``dagwell.<rest>``, which does not exist: ZenML's ``zenml.<rest>`` after
    an import rename, and what to do instead of it."""
    rest = fullname.removeprefix("dagwell.")
    reason = next(
        (MISSING_MODULES[k] for k in MISSING_MODULES if rest == k or rest.startswith(k + ".")),
        "see the README's migration table for the modules dagwell mirrors",
    )
    return ZenMLModuleMissing(
        f"No module named {fullname!r}: dagwell does not mirror ZenML's zenml.{rest}; {reason}.",
        name=fullname,
    )
