# Shape of ZenML's docs "Tags" (how-to/attach-metadata-and-tags, tag artifact versions) and
# ZenML 0.98's zenml/utils/tag_utils.py add_tags: inside a step the output is tagged
# (infer_artifact=True, artifact_name= for one of several), outside a step a version is
# tagged by name and version or by id; tags are read back and filtered on.
# Passes on ZenML 0.98.
from typing import Tuple

from typing_extensions import Annotated

from dagwell import add_tags, pipeline, step
from dagwell.client import Client


@step
def single() -> Annotated[list, "tagged_single"]:
    add_tags(tags=["from_step"], infer_artifact=True)
    return [1]


@step
def several() -> Tuple[Annotated[int, "first"], Annotated[int, "second"]]:
    add_tags(tags=["picked"], artifact_name="second", infer_artifact=True)
    return 1, 2


@pipeline(enable_cache=False)
def tagging_pipeline():
    single()
    several()


if __name__ == "__main__":
    tagging_pipeline()
    client = Client()
    assert [t.name for t in client.get_artifact_version("tagged_single").tags] == ["from_step"]
    assert [t.name for t in client.get_artifact_version("second").tags] == ["picked"]
    assert client.get_artifact_version("first").tags == []

    add_tags(tags=["reviewed"], artifact_name="first", artifact_version="1")
    version = client.get_artifact_version("tagged_single")
    add_tags(tags=["gold", "from_step"], artifact_version_id=version.id)
    names = [t.name for t in client.get_artifact_version("tagged_single").tags]
    assert sorted(names) == ["from_step", "gold"], names
    assert [t.name for t in client.get_artifact_version("first").tags] == ["reviewed"]
    try:
        add_tags(tags=["x"], infer_artifact=True)
        raise AssertionError("infer_artifact outside a step must be refused")
    except ValueError:
        pass
