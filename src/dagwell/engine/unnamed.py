"""ZenML's artifact versions of unnamed outputs, derived from the run store.

In ZenML 0.98 every step output is an artifact version; one without a name of its own is
``<pipeline>::<invocation id>::<output>``, numbered 1, 2, 3 by the runs that produced it
(a cached step produces none). dagwell's run store already records each step's output
refs, so these versions are read from it instead of being written by every attempt: the
versions of such a name are the completed, uncached records of that step in that
pipeline's runs, oldest run first, each with a fixed id (registry.unnamed_id) under which
metadata, tags and its model version are kept. Named versions stay registry documents;
the readers here serve both, so a Client, a model version and a step's outputs all answer
with the same version object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from dagwell.artifact_store import registry
from dagwell.artifact_store.registry import RegistryLoader
from dagwell.artifact_store.store import ArtifactStore
from dagwell.core.errors import RunNotFound


class Client(Protocol):
    """What derivation reads through: a run store and artifact stores (the api Client
    is one; :class:`StoreReader` is the engine's)."""

    def store(self) -> Any: ...

    def artifacts(self, url: str | None = None) -> Any: ...


class StoreReader:
    """Reads the run store at ``url`` (opened on first use, read-only) and the run's
    artifact store: what a run returned by the engine reads its outputs' versions with."""

    def __init__(self, url: str, artifacts: Callable[[], ArtifactStore]) -> None:
        self._url = url
        self._artifacts = artifacts
        self._store: Any = None
        self._others: dict[str, ArtifactStore] = {}

    def store(self) -> Any:
        if self._store is None:
            from dagwell.store import Store

            self._store = Store.open(self._url, reading=True)
        return self._store

    def artifacts(self, url: str | None = None) -> Any:
        """The run's artifact store, or the one at ``url`` (a run with its own)."""
        own = self._artifacts()
        if url is None or url == str(own.url):
            return own
        if url not in self._others:
            from dagwell.artifact_store.store import open_artifact_store

            self._others[url] = open_artifact_store(url)
        return self._others[url]


def _split(name: str) -> tuple[str, str, str] | None:
    parts = name.rsplit("::", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def _store_url(row: Mapping[str, Any]) -> str | None:
    own = (row.get("orchestrator") or {}).get("artifact_store")
    return str(own) if own else None


def _docs(
    client: Client,
    rows: list[dict[str, Any]],
    only: tuple[str, str] | None = None,
    keep: Callable[[str, str, str], bool] | None = None,
) -> Iterator[dict[str, Any]]:
    """The derived version documents of ``rows`` (oldest first), numbered per name; only
    those of (step, output) ``only`` when given, and only those ``keep(run id, step,
    output)`` accepts (the others are counted, never read). Each carries its store's url."""
    numbers: dict[str, int] = {}
    for row in rows:
        for output, ref in row["outputs"].items():
            if only is not None and (row["step_id"], output) != only:
                continue
            name = registry.unnamed_output(row["pipeline"], row["step_id"], output)
            numbers[name] = numbers.get(name, 0) + 1
            if keep is not None and not keep(row["run_id"], row["step_id"], output):
                continue
            url = _store_url(row)
            doc = registry.unnamed_doc(
                client.artifacts(url),
                name,
                numbers[name],
                ref,
                {"run_id": row["run_id"], "step": row["step_id"], "output": output},
                float(row["created_at"]),
            )
            doc["store_url"] = url
            yield doc


def _merged(
    client: Client, name: str, derived: list[dict[str, Any]], docs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Registry documents of ``name`` (an output given metadata by ArtifactConfig, or
    written before versions were derived) win over the derived version of the same output."""
    if not docs:
        return derived
    made = {
        (d["producer"].get("run_id"), d["producer"].get("step"), d["producer"].get("output"))
        for d in docs
    }
    rest = [
        d
        for d in derived
        if (d["producer"]["run_id"], d["producer"]["step"], d["producer"]["output"]) not in made
    ]
    return sorted([*docs, *rest], key=lambda d: (d["created"], d["id"]))


def derived_versions(client: Client, name: str) -> list[dict[str, Any]]:
    parts = _split(name)
    if parts is None:
        return []
    pipeline, step_id, output = parts
    rows = client.store().produced_outputs(pipeline, step_id)
    return list(_docs(client, rows, (step_id, output)))


def versions(client: Client, name: str) -> list[dict[str, Any]]:
    """Every version of ``name``, oldest first: registry documents and derived ones."""
    docs = registry.artifact_versions(client.artifacts(), name)
    return _merged(client, name, derived_versions(client, name), docs)


# The names ZenML gives outputs without one of their own: "output", or "output_<i>" of several
_DEFAULT_OUTPUT = re.compile(r"output(_\d+)?")


def names(client: Client) -> list[str]:
    """Every artifact name: the registry's and the derived ones of unnamed outputs. An
    output with a name of its own (registered under it) has no derived name, as in ZenML;
    one whose own name looks like a default ("output_1") cannot be told apart and has both."""
    named = set(registry.artifact_names(client.artifacts()))
    found = set(named)
    for row in client.store().produced_outputs():
        for output in row["outputs"]:
            if output in named and not _DEFAULT_OUTPUT.fullmatch(output):
                continue
            found.add(registry.unnamed_output(row["pipeline"], row["step_id"], output))
    return sorted(found)


def get(client: Client, name: str, version: str | int | None = None) -> dict[str, Any]:
    """Like registry.get_version, with the derived versions too (by name, or by id)."""
    derived = derived_versions(client, name)
    if not derived:
        try:
            return registry.get_version(client.artifacts(), name, version)
        except KeyError:
            if version is not None:
                raise
            hit = by_id(client, name)
            if hit is None:
                raise
            return hit
    found = _merged(client, name, derived, registry.artifact_versions(client.artifacts(), name))
    return registry.pick_version(name, found, version)


def by_id(client: Client, id_or_prefix: str) -> dict[str, Any] | None:
    wanted = registry.id_prefix(id_or_prefix)
    if wanted is None:
        return None
    found = list(
        _docs(
            client,
            client.store().produced_outputs(),
            keep=lambda *producer: registry.unnamed_id(*producer).startswith(wanted),
        )
    )
    return registry.only_one(id_or_prefix, found, "artifact version")


def produced(client: Client, run_id: str, step_id: str, output: str) -> dict[str, Any] | None:
    """The derived version of ``run_id``'s ``step_id`` output (None if it produced none)."""
    try:
        pipeline = client.store().run_row(run_id)["pipeline"]
    except RunNotFound:
        return None
    rows = client.store().produced_outputs(pipeline, step_id)
    found = _docs(client, rows, (step_id, output), keep=lambda run, *_: run == run_id)
    return next(found, None)


def cached_for_model(client: Client, model: str, number: int) -> set[tuple[str, str, str]]:
    """(producing run, step, output) of every output that a step run for version ``number``
    of ``model`` took from the cache. ZenML links those to that model version too
    (orchestrators/step_launcher.py: a cached step's outputs are linked to the current
    run's model version), so one artifact version may belong to many model versions."""
    store = client.store()
    plans: dict[str, dict[str, Any]] = {}
    found: set[tuple[str, str, str]] = set()
    for row in store.cached_steps():
        run_id = row["run_id"]
        if run_id not in plans:
            try:
                steps = store.run_plan(run_id).get("steps") or []
            except RunNotFound:
                steps = []
            plans[run_id] = {s.get("id"): s.get("context") or {} for s in steps}
        linked = plans[run_id].get(row["step_id"], {}).get("model") or {}
        if linked.get("name") == model and linked.get("number") == number:
            for output in row["outputs"] or {}:
                found.add((row["cached_from"], row["cached_step"] or row["step_id"], output))
    return found


def loader_of(client: Client, doc: Mapping[str, Any]) -> RunLoader:
    return RunLoader(client, doc.get("store_url"))


class RunLoader(RegistryLoader):
    """A RegistryLoader that also finds an unnamed output's derived version, so that
    ``run.steps[x].outputs[name][0]`` is the version the Client lists, same id and number."""

    def __init__(self, client: Client, url: str | None) -> None:
        super().__init__(lambda: client.artifacts(url))
        self._client = client

    def published(self, run_id: str, step_id: str, output: str) -> dict[str, Any] | None:
        doc = super().published(run_id, step_id, output)
        return doc if doc is not None else produced(self._client, run_id, step_id, output)

    def run(self, run_id: str) -> Any:
        from dagwell.store.views import read_run  # (not at import: see dagwell.store)

        return read_run(self._client.store(), run_id, self)


def model_artifact(
    client: Client, model: str, number: int, name: str, version: str | None
) -> dict[str, Any] | None:
    """The newest version of ``name`` (or its ``version``) linked to version ``number`` of
    ``model``: produced for it, or taken from the cache by a step run for it (as a Model's
    ``get_artifact`` finds it); what a lazy model-artifact input is when its step starts."""
    cached = cached_for_model(client, model, number)

    def linked(doc: dict[str, Any]) -> bool:
        own = doc.get("model") or {}
        if own.get("name") == model and own.get("number") == number:
            return True
        producer = doc.get("producer") or {}
        return (producer.get("run_id"), producer.get("step"), producer.get("output")) in cached

    found = [
        d
        for d in versions(client, name)
        if linked(d) and (version is None or d["version"] == str(version))
    ]
    return found[-1] if found else None
