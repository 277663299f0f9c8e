# ZenML 0.98's tag_utils add_tags/remove_tags(artifact=...): an artifact carries tags of its
# own, apart from its versions' (artifact.tags are the artifact's, version.tags the
# version's), and list_artifacts filters by them. Passes on ZenML 0.98.
from dagwell import save_artifact
from dagwell.client import Client
from dagwell.utils.tag_utils import add_tags, remove_tags


def names(tags):
    return sorted(t.name for t in tags)


if __name__ == "__main__":
    save_artifact(1, "dataset", tags=["on_version"])
    save_artifact(2, "other")
    client = Client()
    assert names(client.get_artifact("dataset").tags) == []
    add_tags(tags=["curated", "shared"], artifact="dataset")
    add_tags(tags="shared", artifact="other")
    assert names(client.get_artifact("dataset").tags) == ["curated", "shared"]
    assert names(client.get_artifact_version("dataset").tags) == ["on_version"]
    assert [a.name for a in client.list_artifacts(tags=["curated"])] == ["dataset"]
    assert sorted(a.name for a in client.list_artifacts(tags="shared")) == ["dataset", "other"]
    remove_tags(tags=["curated"], artifact="dataset")
    assert names(client.get_artifact("dataset").tags) == ["shared"]
    try:
        add_tags(tags=["x"], artifact="no_such_artifact")
        raise AssertionError("tagging an artifact that does not exist must fail")
    except KeyError:
        pass
