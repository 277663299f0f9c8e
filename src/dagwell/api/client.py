"""Reading runs back: the Client, with the names DESIGN.md fixes.

It opens the store and the artifact store lazily and builds the read models of
:mod:`dagwell.core.records` through :mod:`dagwell.store.views`. Stopping and resuming go
through the engine; nothing here writes a status.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dagwell.api.zenml_client import PipelineView, ZenMLClientMixin
from dagwell.core.context import current_step
from dagwell.core.home import Home, resolve_home
from dagwell.core.records import ArtifactLoader, PipelineName, PipelineRun
from dagwell.core.statuses import TERMINAL_STEP_STATUSES, StepStatus

if TYPE_CHECKING:
    from dagwell.api.run_logs import AttemptLogReader

UPSTREAM_RECORD_WAIT = 10.0  # seconds: the orchestrator writes ends every 20 ms when well


class Client(ZenMLClientMixin):
    """Read runs from the store: ``Client().get_run(id)``, ``Client().list_runs()``, and
    ZenML's names for the same (``get_pipeline_run``, ``get_artifact_version``, ...)."""

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        store_url: str | None = None,
        artifact_store: str | None = None,
    ) -> None:
        self.home: Home = resolve_home(home, store_url=store_url, artifacts=artifact_store)
        self._store: Any = None
        self._artifacts: Any = None
        self._run_artifacts: dict[str, Any] = {}

    def store(self) -> Any:
        if self._store is None:
            from dagwell.store import Store

            self._store = Store.open(self.home.store_url, reading=True)
        return self._store

    def artifacts(self, url: str | None = None) -> Any:
        """The client's artifact store, or the one at ``url`` (a run's own)."""
        from dagwell.artifact_store.store import open_artifact_store

        if url is not None and url != self.home.artifacts:
            if url not in self._run_artifacts:
                self._run_artifacts[url] = open_artifact_store(url)
            return self._run_artifacts[url]
        if self._artifacts is None:
            self._artifacts = open_artifact_store(self.home.artifacts)
        return self._artifacts

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def resolve(self, run: str) -> str:
        return str(self.store().resolve_run_id(run))

    def get_run(
        self,
        run_id: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        status: str | None = None,
    ) -> PipelineRun:
        """The run as recorded. A detached run whose orchestrator Job gave up is first
        recorded ``failed`` (``orchestrator_lost``): nobody else is left to do it.

        ``offset``/``limit``/``status`` read one page of the steps (in pipeline order) with
        their attempts; the run's ``all_totals()`` and ``summary()`` still count them all."""
        store = self.store()
        run_id = store.resolve_run_id(run_id)
        step_rows = self._await_upstream_ends(store, run_id)
        row = store.run_row(run_id)
        if (
            row["status"] == "running"
            and (row.get("orchestrator") or {}).get("synchronous") is False
            and not store.read_only  # recording the loss is for a client that may write
        ):
            from dagwell.engine.detached import reap_if_lost

            if reap_if_lost(store, self.home, run_id):
                row = store.run_row(run_id)
        if not offset and limit is None and status is None:
            if step_rows is None:
                step_rows = store.step_rows(run_id)
            return self._build(row, step_rows, store.attempt_rows(run_id), self._loader(row))
        steps = store.step_rows(run_id, offset=offset, limit=limit, status=status)
        attempts = store.attempt_rows(run_id, [s["step_id"] for s in steps])
        run = self._build(row, steps, attempts, self._loader(row))
        from dagwell.store.views import run_totals  # the store (SQLAlchemy) loads on first use

        return replace(run, totals=run_totals(store.run_totals(run_id)), steps_offset=offset)

    @staticmethod
    def _await_upstream_ends(store: Any, run_id: str) -> list[dict[str, Any]] | None:
        """Inside a step of this very run, wait until the ends of the step's upstream steps
        are recorded: the orchestrator writes a step's end while the next step starts (the
        write overlaps the launch), and a step given its upstream steps' outputs must see
        them ended, as in ZenML. Up to UPSTREAM_RECORD_WAIT (a store outage can hold the
        write longer; then the run is what is recorded). Returns the step rows it read
        last (None outside such a step), for the caller to build the run from."""
        info = current_step()
        if info is None or info.run_id != run_id:
            return None
        deadline = time.monotonic() + UPSTREAM_RECORD_WAIT
        while True:
            step_rows: list[dict[str, Any]] = store.step_rows(run_id)
            rows = {r["step_id"]: r for r in step_rows}
            me = rows.get(info.step_id)
            live = [
                u
                for u in ((me["upstream"] or ()) if me is not None else ())
                if u in rows and StepStatus(rows[u]["status"]) not in TERMINAL_STEP_STATUSES
            ]
            if not live or time.monotonic() >= deadline:
                return step_rows
            time.sleep(0.02)

    def list_runs(
        self,
        *,
        limit: int = 20,
        pipeline: str | None = None,
        status: str | None = None,
        steps: bool = True,
        offset: int = 0,
    ) -> list[PipelineRun]:
        """The latest runs. ``steps=False`` reads no step rows (``.steps`` is empty), only
        each run's totals: what a listing needs, fast however big the runs are. ``offset``
        skips that many of the newest (paging)."""
        store = self.store()
        runs = []
        for row in store.list_runs(limit=limit, pipeline=pipeline, status=status, offset=offset):
            if steps:
                step_rows, attempts = store.step_rows(row["id"]), store.attempt_rows(row["id"])
                runs.append(self._build(row, step_rows, attempts, self._loader(row)))
            else:
                from dagwell.store.views import run_totals

                run = self._build(row, [], [], self._loader(row))
                runs.append(replace(run, totals=run_totals(store.run_totals(row["id"]))))
        return runs

    def _build(
        self,
        row: dict[str, Any],
        steps: list[dict[str, Any]],
        attempts: list[dict[str, Any]],
        loader: ArtifactLoader,
    ) -> PipelineRun:
        """A run read model whose ``.pipeline`` also answers ZenML's ``.runs``/``.last_run``."""
        from dagwell.core.records import PlanSource
        from dagwell.store.views import build_run

        run_id, store = row["id"], self.store()
        plan = PlanSource(lambda: store.run_plan(run_id), self._model_version_of)
        plan.find_tags = self._run_tags
        plan.find_stack = lambda: self.active_stack
        plan.find_index = lambda: store.run_index(run_id)
        run = build_run(row, steps, attempts, loader, plan)
        if isinstance(run.pipeline, PipelineName):
            run.pipeline.view = PipelineView(str(run.pipeline), self)
        return run

    def _run_tags(self, run_id: str) -> list[dict[str, Any]]:
        tags: list[dict[str, Any]] = self.store().tags_of("run", [run_id])[run_id]
        return tags

    def _model_version_of(self, ref: dict[str, Any]) -> Any:
        """The model version a run recorded (``{"name", "number"}``) as ZenML's response."""
        return self.get_model_version(ref["name"], int(ref["number"]))

    def stop_run(self, run_id: str, *, notify: Callable[[str], None] | None = None) -> PipelineRun:
        """Ask a run to stop; an orphaned run is stopped here and now, and a frozen
        orchestrator is killed first, which ``notify`` is told (see engine.resume)."""
        from dagwell.engine.resume import stop_run

        return stop_run(self.store(), self.home, run_id, notify=notify)

    def resume_run(
        self,
        run_id: str,
        *,
        progress: bool | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> PipelineRun:
        """Continue an orphaned run in this process until it ends (``dagwell runs resume``);
        a frozen orchestrator is killed first, which ``notify`` is told."""
        from dagwell.display.live import make_progress
        from dagwell.engine.resume import resume_run

        return resume_run(
            self.store(), self.home, run_id, progress=make_progress(progress), notify=notify
        )

    def _loader(self, row: Mapping[str, Any] | None = None) -> ArtifactLoader:
        """Loads from the run's own artifact store (``artifact_store=`` of its
        orchestrator) when it had one, else the client's; reads the registry there too."""
        from dagwell.engine.unnamed import RunLoader

        own = ((row or {}).get("orchestrator") or {}).get("artifact_store")
        return RunLoader(self, str(own) if own else None)

    def attempt_log(self, run: PipelineRun, step: str, attempt: int) -> AttemptLogReader:
        """Attempt ``attempt`` of ``step``'s log: in the run's artifact store (where the
        orchestrator of a Kubernetes run keeps it), else in this home (local runs)."""
        from dagwell.api.run_logs import AttemptLogReader
        from dagwell.artifact_store.attempt_logs import AttemptLog

        own = run.orchestrator.get("artifact_store")
        shared = AttemptLog(self.artifacts(str(own) if own else None), run.id, step, attempt)
        return AttemptLogReader(shared, self.home.log_path(run.id, step, attempt))

    def logs(self, run_id: str, step: str | None = None, attempt: int | None = None) -> str:
        run = self.get_run(run_id)
        chunks = []
        steps = [run.steps[step]] if step else list(run.steps.values())
        if step and step not in run.steps:
            raise KeyError(f"Run {run.id} has no step {step!r}; it has {', '.join(run.steps)}.")
        for s in steps:
            for a in s.attempts:
                if attempt is not None and a.number != attempt:
                    continue
                text = self.attempt_log(run, s.name, a.number).text()
                text = "(no log)\n" if text is None else text
                chunks.append(f"==> {s.name} attempt {a.number} ({a.status.value}) <==\n{text}")
        return "\n".join(chunks)
