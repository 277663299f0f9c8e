# zenml-io/zenml-projects rl_demo (steps/promote.py: promote_best_policy, its
# materializers/policy_checkpoint_materializer.py), with its torch checkpoint written as
# JSON and its dynamic fan-out (train_agent.map) written as a fixed one: the promotion step
# moves the run's model version to production with Client().update_model_version(stage=,
# force=True) and logs the promotion on the model (log_metadata(infer_model=True)); then,
# as ZenML's "Promote a model" docs do it, a Model(...).set_stage(...) that another version
# holds raises RuntimeError unless forced (the holder is archived), and
# update_model_version(add_tags=, remove_tags=, name=, description=) changes the version,
# update_model(...) the model's card. Before:
# "Client().update_model_version is a ZenML feature dagwell does not have", and a taken
# stage raised an ArtifactError that `except RuntimeError` did not catch.
import json
import os
from typing import Annotated

from pydantic import BaseModel

from dagwell import ArtifactConfig, Model, log_metadata, pipeline, step
from dagwell.client import Client
from dagwell.enums import ArtifactType, ModelStages
from dagwell.io import fileio
from dagwell.materializers.base_materializer import BaseMaterializer

PolicyCheckpoint = dict


class PolicyCheckpointMaterializer(BaseMaterializer):
    """Materializer for policy checkpoints (model_state_dict + config)."""

    ASSOCIATED_TYPES = (dict,)

    def load(self, data_type: type) -> dict:
        path = os.path.join(self.uri, "checkpoint.json")
        with fileio.open(path, "r") as f:
            return json.load(f)

    def save(self, data: dict) -> None:
        fileio.makedirs(self.uri)
        path = os.path.join(self.uri, "checkpoint.json")
        with fileio.open(path, "w") as f:
            json.dump(data, f)


class EvalResult(BaseModel):
    """Evaluation result for a trained policy."""

    env_name: str
    tag: str
    eval_mean_reward: float
    eval_std_reward: float
    eval_episodes: int
    is_best: bool = False


@step
def train_agent(env_name: str, learning_rate: float) -> PolicyCheckpoint:
    return {"model_state_dict": {"w": learning_rate}, "config": {"env_name": env_name}}


@step
def evaluate_agent(checkpoint: PolicyCheckpoint, tag: str, reward: float) -> EvalResult:
    return EvalResult(
        env_name=checkpoint["config"]["env_name"],
        tag=tag,
        eval_mean_reward=reward,
        eval_std_reward=0.5,
        eval_episodes=10,
    )


@step(
    output_materializers={"promoted_policy_checkpoint": PolicyCheckpointMaterializer},
)
def promote_best_policy(
    eval_results: list[EvalResult],
    policy_checkpoints: list[PolicyCheckpoint],
) -> Annotated[
    PolicyCheckpoint,
    ArtifactConfig(name="promoted_policy_checkpoint", artifact_type=ArtifactType.MODEL),
]:
    """
    Promote the best policy via ZenML's Model Control Plane.

    Returns the winning checkpoint as a model artifact — load via
    model_version.get_artifact("promoted_policy_checkpoint").load().
    """
    assert len(eval_results) == len(policy_checkpoints), (
        "eval_results and checkpoints must be parallel"
    )
    tag_to_checkpoint = {r.tag: c for r, c in zip(eval_results, policy_checkpoints)}

    winner = max(eval_results, key=lambda r: r.eval_mean_reward)
    promoted = tag_to_checkpoint[winner.tag]

    print(
        f"Promoting {winner.tag} -> "
        f"reward {winner.eval_mean_reward:.2f} ± {winner.eval_std_reward:.2f}"
    )

    client = Client()
    latest_version = client.get_model_version(model_name_or_id="rl_policy")
    client.update_model_version(
        model_name_or_id="rl_policy",
        version_name_or_id=latest_version.name,
        stage=ModelStages.PRODUCTION,
        force=True,
    )
    print(f"Model version '{latest_version.name}' -> stage: production")

    log_metadata(
        metadata={
            "promoted_tag": winner.tag,
            "promoted_reward": float(winner.eval_mean_reward),
            "stage_transition": "staging → production",
            "promotion_criteria": "highest eval reward",
        },
        infer_model=True,
    )
    return promoted


@pipeline(
    enable_cache=False,
    model=Model(
        name="rl_policy",
        license="MIT",
        description="PufferLib RL agents across multiple environments",
    ),
)
def rl_environment_sweep(env_names: list, rewards: list):
    checkpoints, results = [], []
    for env_name, reward in zip(env_names, rewards):
        checkpoint = train_agent(env_name=env_name, learning_rate=3e-4)
        checkpoints.append(checkpoint)
        results.append(evaluate_agent(checkpoint, tag=env_name, reward=reward))
    promote_best_policy(results, checkpoints)


if __name__ == "__main__":
    rl_environment_sweep(env_names=["cartpole", "breakout"], rewards=[1.0, 3.0])
    client = Client()
    version = client.get_model_version("rl_policy", ModelStages.PRODUCTION)
    assert version.name == "1"
    assert version.run_metadata["promoted_tag"] == "breakout"
    assert version.get_artifact("promoted_policy_checkpoint").load()["config"] == {
        "env_name": "breakout"
    }
    assert client.get_model("rl_policy").license == "MIT"

    # A second sweep: its version takes production, the first one is archived.
    rl_environment_sweep(env_names=["pong"], rewards=[2.0])
    stages = {v.name: v.stage for v in client.list_model_versions(model_name_or_id="rl_policy")}
    assert stages == {"1": "archived", "2": "production"}

    # ZenML's "Promote a model": a stage another version holds needs force=True.
    first = Model(name="rl_policy", version="1")
    try:
        first.set_stage(stage=ModelStages.PRODUCTION)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a taken stage was given without force")
    first.set_stage(stage=ModelStages.PRODUCTION, force=True)
    assert client.get_model_version("rl_policy", ModelStages.PRODUCTION).name == "1"
    assert client.get_model_version("rl_policy", "2").stage == "archived"

    updated = client.update_model_version(
        model_name_or_id="rl_policy", version_name_or_id="2", add_tags=["rl", "old"]
    )
    assert sorted(t.name for t in updated.tags) == ["old", "rl"]
    updated = client.update_model_version(
        model_name_or_id="rl_policy",
        version_name_or_id=updated.id,
        remove_tags=["old"],
        stage=ModelStages.STAGING,
    )
    assert [t.name for t in updated.tags] == ["rl"] and updated.stage == "staging"
    assert client.get_model_version("rl_policy", ModelStages.STAGING).name == "2"
    renamed = client.update_model_version(
        model_name_or_id="rl_policy",
        version_name_or_id="2",
        name="pong-sweep",
        description="second sweep",
    )
    assert (renamed.name, renamed.number, renamed.description) == ("pong-sweep", 2, "second sweep")
    assert client.get_model_version("rl_policy", "pong-sweep").stage == "staging"
    model = client.update_model(
        model_name_or_id="rl_policy", description="RL policies", add_tags=["rl"]
    )
    assert (model.description, model.license) == ("RL policies", "MIT")
    assert [t.name for t in client.get_model("rl_policy").tags] == ["rl"]
