# ZenML 0.98's Client().update_artifact(name, add_tags=, remove_tags=) and
# update_artifact_version(name_or_id, version=, add_tags=, remove_tags=), as ZenML's docs
# 'Tags' tag existing artifacts and versions. Passes on ZenML 0.98.
from dagwell import save_artifact
from dagwell.client import Client

if __name__ == "__main__":
    save_artifact(1, "ds")
    save_artifact(2, "ds")
    client = Client()
    client.update_artifact(name_id_or_prefix="ds", add_tags=["curated", "x"])
    client.update_artifact(name_id_or_prefix="ds", remove_tags=["x"])
    assert sorted(t.name for t in client.get_artifact("ds").tags) == ["curated"]
    back = client.update_artifact_version(name_id_or_prefix="ds", version="1", add_tags=["first", "y"])
    assert sorted(t.name for t in back.tags) == ["first", "y"], back.tags
    client.update_artifact_version(name_id_or_prefix="ds", version="1", remove_tags=["y"])
    assert [t.name for t in client.get_artifact_version("ds", "1").tags] == ["first"]
    assert client.get_artifact_version("ds", "2").tags == []
    latest = client.get_artifact_version("ds")
    client.update_artifact_version(name_id_or_prefix=latest.id, add_tags=["by_id"])
    assert [t.name for t in client.get_artifact_version("ds", "2").tags] == ["by_id"]

