"""A run name longer than the run store keeps is refused before any run is recorded.

Before: ``with_options(run_name="r" * 300)`` ran on SQLite (which does not check the
column's 200) but on PostgreSQL the run's record was refused, "value too long for type
character varying(200). This is a bug in dagwell": the same pipeline worked on one store
and not the other. Now the name, as given and once its placeholders are filled in, is
checked like step and pipeline names are, on every store.
"""

from __future__ import annotations

import pytest

from dagwell import Client, pipeline, step
from dagwell.core.errors import DefinitionError


@step(enable_cache=False)
def one() -> int:
    return 1


@pipeline(enable_cache=False)
def named_run() -> None:
    one()


@pytest.mark.parametrize("name", ["r" * 201, "{date}" + "r" * 195])
def test_a_run_name_the_store_cannot_keep_is_refused_and_records_no_run(
    home, store_url, monkeypatch, name
):
    monkeypatch.setenv("DAGWELL_STORE_URL", store_url)
    with pytest.raises(DefinitionError, match="Run name .* use at most 200"):
        named_run.with_options(run_name=name)()
    done = named_run.with_options(run_name="r" * 200)()  # (the longest it keeps)
    assert done.status.value == "completed" and done.name == "r" * 200
    client = Client(home)
    try:
        assert [r.id for r in client.list_runs()] == [done.id]  # the refused one: none
    finally:
        client.close()
