# Shape of ZenML's docs "Materializers" > "Dataclass artifacts" and "Unmaterialized
# artifacts" (s1..s4): a dataclass output loads back as the same class; a step's two
# named outputs unpacked straight into the next step (step_3(*step_1())), once loaded and
# once as UnmaterializedArtifact. Passes on ZenML 0.98.
from dataclasses import dataclass
from typing import Dict, List, Tuple

from typing_extensions import Annotated

from dagwell import pipeline, step
from dagwell.artifacts.unmaterialized_artifact import UnmaterializedArtifact


@dataclass
class TrainingConfig:
    learning_rate: float
    epochs: int


@step
def make_config() -> TrainingConfig:
    return TrainingConfig(learning_rate=0.01, epochs=10)


@step
def use_config(config: TrainingConfig) -> int:
    assert isinstance(config, TrainingConfig)
    return config.epochs


@step
def pair() -> Tuple[Annotated[Dict[str, str], "dict_"], Annotated[List[str], "list_"]]:
    return {"some": "data"}, ["x"]


@step
def loaded(dict_: Dict, list_: List) -> str:
    return f"{dict_['some']} {list_[0]}"


@step
def unloaded(dict_: UnmaterializedArtifact, list_: UnmaterializedArtifact) -> bool:
    return bool(dict_.uri) and dict_.uri != list_.uri


@pipeline(enable_cache=False)
def dataclass_pipeline():
    use_config(make_config())
    loaded(*pair())
    unloaded(*pair())


if __name__ == "__main__":
    run = dataclass_pipeline()
    assert run.steps["make_config"].output.load() == TrainingConfig(0.01, 10)
    assert run.steps["use_config"].output.load() == 10
    assert run.steps["loaded"].output.load() == "data x"
    assert run.steps["unloaded"].output.load() is True
