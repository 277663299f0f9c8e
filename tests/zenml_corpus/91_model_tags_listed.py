# ZenML 0.98's docs 'Tags' (models and model versions: Model(tags=...),
# Client().create_model(tags=...), create_model_version(tags=...)): the tags of models and
# model versions are tags like any other, found by Client().get_tag and listed by
# list_tags, which filters them by what they are on (resource_type=). The docs' version
# name "2" is refused by ZenML (numeric names are version numbers): "v2" here. Passes on
# ZenML 0.98.
from dagwell import Model, pipeline, step
from dagwell.client import Client

@step
def train() -> int:
    return 1

@pipeline(enable_cache=False, tags=["nightly"], model=Model(name="iris", tags=["experiment"]))
def training():
    train()

if __name__ == "__main__":
    training()
    client = Client()
    client.create_model(name="iris_logistic_regression", tags=["classification"])
    try:
        client.create_model_version(model_name_or_id="iris_logistic_regression", name="2")
        raise AssertionError("a numeric version name is refused")
    except ValueError:
        pass
    client.create_model_version(
        model_name_or_id="iris_logistic_regression", name="v2", tags=["experiment-42"]
    )
    names = sorted(t.name for t in client.list_tags())
    assert names == ["classification", "experiment", "experiment-42", "nightly"], names
    assert client.get_tag("experiment-42").exclusive is False
    assert client.get_tag("classification").name == "classification"
    on_versions = sorted(t.name for t in client.list_tags(resource_type="model_version"))
    assert on_versions == ["experiment", "experiment-42"], on_versions
    on_models = [t.name for t in client.list_tags(resource_type="model")]
    assert on_models == ["classification"], on_models
    on_runs = [t.name for t in client.list_tags(resource_type="pipeline_run")]
    assert on_runs == ["nightly"], on_runs
    client.update_model_version(
        model_name_or_id="iris_logistic_regression", version_name_or_id="v2",
        add_tags=["promoted"],
    )
    assert "promoted" in [t.name for t in client.list_tags(name="contains:prom")]
