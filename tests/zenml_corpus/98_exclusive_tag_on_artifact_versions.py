# ZenML 0.98's exclusive tags on artifact versions: one version of each artifact carries
# one. A release script marks the newest dataset version "production" after each run;
# the tag leaves the version that had it, also when it is given by name once it exists,
# and a grader finds the one version with it. A tag two versions of one artifact carry
# cannot be made exclusive. Before: ValueError, exclusive tags were refused on artifact
# versions. Passes on ZenML 0.98.
from typing_extensions import Annotated

from dagwell import ArtifactConfig, Tag, add_tags, pipeline, step
from dagwell.client import Client


@step
def make_dataset(n: int) -> Annotated[list, ArtifactConfig(name="dataset")]:
    return list(range(n))


@pipeline(enable_cache=False)
def data_pipeline(n: int):
    make_dataset(n)


def production_versions(client):
    return [
        v.version for v in client.list_artifact_versions(name="dataset", size=50)
        if "production" in [t.name for t in v.tags]
    ]


if __name__ == "__main__":
    client = Client()
    for n in (3, 4):
        data_pipeline(n)
        newest = client.get_artifact_version("dataset")
        add_tags(tags=[Tag(name="production", exclusive=True)], artifact_version_id=newest.id)
        assert production_versions(client) == [newest.version]
    assert client.get_tag("production").exclusive is True
    first = client.get_artifact_version("dataset", version="1")
    add_tags(tags=["production"], artifact_name="dataset", artifact_version="1")  # by name
    assert production_versions(client) == ["1"]
    assert client.get_artifact_version("dataset", version="2").load() == [0, 1, 2, 3]
    for version in ("1", "2"):
        add_tags(tags=["reviewed"], artifact_name="dataset", artifact_version=version)
    try:
        client.update_tag(tag_name_or_id="reviewed", exclusive=True)
        raise AssertionError("two versions of one artifact carry it: it cannot be exclusive")
    except ValueError:
        pass
    assert first.load() == [0, 1, 2]
