"""The run store: runs, steps, attempts, artifacts and the step cache, behind one class.

Only the orchestrator writes (attempt processes and pods never touch it), in short
batched transactions that are retried as a whole when SQLite is locked or a PostgreSQL
connection drops. Reads return plain dicts; :mod:`dagwell.api.client` turns them into models.
"""

from __future__ import annotations

import logging
import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, and_, case, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from dagwell.core.errors import (
    ConfigError,
    EntityExistsError,
    RunNotFound,
    RunTakenOver,
    StoreError,
    StoreNotWritable,
    StoreUnavailable,
    StoreUnusable,
)
from dagwell.store import schema
from dagwell.store.connect import make_engine, migrate, normalize_url, open_read_only
from dagwell.store.file_guard import FileGuard
from dagwell.store.ops import Batch, Op, execute
from dagwell.store.tags import ChangeTags
from dagwell.store.tags import apply as apply_tags
from dagwell.store.tags import read as read_tags

log = logging.getLogger("dagwell.store")
#: How many latest completed attempts of a step its learned peak memory is taken from.
LEARN_FROM = 5
T = TypeVar("T")
RETRY_WINDOW = 60.0  # default seconds a store call keeps retrying a locked/dropped database
RETRY_ENV = "DAGWELL_STORE_RETRY"  # sets that window (seconds): the outage a run rides out
CONNECT_WINDOW = 5.0  # seconds opening a store keeps trying before it reports it unreachable
#: PostgreSQL advisory locks of run names: (this key, hashtext(name)); two-key locks never
#: meet the one-key lock migrations take.
RUN_NAME_LOCKS = 74658


def _transient(error: Exception) -> bool:
    """Locked, busy or disconnected: worth retrying. Constraint errors are not."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError)


def retry_window() -> float:
    """How long a store call retries with backoff before the store counts as unavailable."""
    raw = os.environ.get(RETRY_ENV)
    if not raw:
        return RETRY_WINDOW
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{RETRY_ENV}={raw!r}: give a positive number of seconds.")
    return value


def _unusable_file(error: DBAPIError, url: str) -> StoreError | None:
    """An SQLite store that cannot work as it is (not a database, not writable): say what
    and where, at once, instead of retrying and blaming a stuck process or dagwell."""
    if not url.startswith("sqlite"):
        return None
    text = str(error.orig or error).lower()
    path = make_url(url).database or url
    if "malformed" in text:
        return StoreUnusable(
            f"The run store {path} is damaged (SQLite: database disk image is malformed): "
            "restore it from a backup, or recover what it holds with `sqlite3 "
            f"{path} .recover`, or move it away (its runs are then forgotten)."
        )
    if "file is not a database" in text:
        return StoreUnusable(
            f"{path} is not a dagwell store (not a readable SQLite database). Move it away, "
            "or point DAGWELL_HOME (or DAGWELL_STORE_URL) at another place."
        )
    if "readonly" in text or "read-only" in text or "unable to open database" in text:
        return StoreNotWritable(
            f"The run store {path} cannot be written: check the permissions of it and of "
            "its directory (DAGWELL_HOME), or point DAGWELL_HOME at a writable place."
        )
    return None


def _outage_advice(error: DBAPIError) -> str:
    if "full" in str(error.orig or error).lower():  # SQLite's SQLITE_FULL, PostgreSQL's 53100
        return "The disk holding it is full: free space there (DAGWELL_HOME's filesystem)."
    return "Check that it is reachable (DAGWELL_STORE_URL) and not locked by a stuck process."


def duplicate_run_name(name: str, holder: str) -> str:
    """Why a run named ``name`` is refused while run ``holder`` has that name, and the fix."""
    return (
        f"Pipeline run name '{name}' already exists (run {holder}). Each pipeline run must "
        "have a unique name: use a different run name, a name with placeholders such as "
        f'"{name}_{{date}}_{{time}}" (filled in for each run), or leave run_name unset '
        "so that dagwell generates a unique one. Nothing was run or recorded."
    )


def _equal(table: Table, where: Mapping[str, str | None]) -> list[Any]:
    """``column == value`` for each given value (None: no condition on that column)."""
    unknown = sorted(set(where) - set(table.c.keys()))
    if unknown:
        raise ValueError(f"The {table.name} table has no column {', '.join(unknown)}.")
    return [table.c[name] == value for name, value in where.items() if value is not None]


class Store:
    def __init__(self, engine: Engine, url: str, read_only: bool = False) -> None:
        self.engine = engine
        self.url = url
        self.read_only = read_only  # opened for reading only: every write fails, saying why
        # An orchestrator's SQLite file, watched from its run's creation or first heartbeat
        # on, and then at each write: a process that only reads and writes records (a
        # Client, the CLI) never puts back a home deleted on purpose.
        self._guard: FileGuard | None = None
        self._unguarded = False  # the file cannot be watched here
        self._calls = threading.local()  # .one_try: this thread's calls make one try each

    @classmethod
    def open(
        cls, url: str, connect_window: float = CONNECT_WINDOW, *, reading: bool = False
    ) -> Store:
        """Open (and migrate) the store; an unreachable one fails within ``connect_window``.
        ``reading``: an SQLite store that cannot be written (a read-only home) is opened
        for reading only, which needs no migration."""
        url = normalize_url(url)
        engine = make_engine(url)
        store = cls(engine, url)
        try:
            store._retry(lambda: migrate(engine), window=connect_window)
        except StoreNotWritable:
            engine.dispose()
            if not reading:
                raise
            return cls(open_read_only(url), url, read_only=True)
        except BaseException:  # e.g. a schema newer than this dagwell's
            engine.dispose()
            raise
        return store

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        if self._guard is not None:
            self._guard.close()
            self._guard = None
        self.engine.dispose()

    def _guard_file(self) -> None:
        """An orchestrator's SQLite file is put back if deleted under it, and a file
        replaced under it is an error, at each heartbeat and write (see file_guard).
        The guard never fails a run: if it cannot work here, it stands down, saying why."""
        if self.read_only or self._unguarded or not self.url.startswith("sqlite:///"):
            return
        try:
            if self._guard is None:
                path = make_url(self.url).database
                if not path or path == ":memory:":
                    self._unguarded = True
                    return
                self._guard = FileGuard(path)
            if self._guard.check():
                self.engine.dispose()  # pooled connections hold the deleted file
        except (OSError, sqlite3.Error) as error:
            log.warning("cannot watch the store file (%s); a deleted one is not restored", error)
            if self._guard is not None:
                self._guard.close()
                self._guard = None
            self._unguarded = True

    # -- retry --------------------------------------------------------------------------
    @contextmanager
    def one_try(self) -> Iterator[None]:
        """Store calls this thread makes inside make one try each, as with ``window=0``:
        for the engine loop, which rides out an outage itself (see engine.outage) and must
        never wait in a call for the retry window while its attempts run unwatched."""
        saved = getattr(self._calls, "one_try", False)
        self._calls.one_try = True
        try:
            yield
        finally:
            self._calls.one_try = saved

    def _retry(self, fn: Callable[[], T], window: float | None = None) -> T:
        if window is None:
            window = 0.0 if getattr(self._calls, "one_try", False) else retry_window()
        deadline = time.monotonic() + window
        delay = 0.02
        while True:
            try:
                return fn()
            except DBAPIError as error:
                unusable = _unusable_file(error, self.url)
                if unusable is not None:
                    raise unusable from error
                if not _transient(error):
                    raise StoreError(
                        f"The run store at {self.safe_url} refused a write: {error.orig or error}."
                        " This is a bug in dagwell; please report it with the run id."
                    ) from error
                if time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"The run store at {self.safe_url} failed: {error.orig or error}. "
                        + _outage_advice(error)
                    ) from error
                log.debug("store busy or disconnected (%s); retrying in %.2fs", error, delay)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

    def _read(self, fn: Callable[[Any], T]) -> T:
        def run() -> T:
            with self.engine.connect().execution_options(dagwell_read=True) as conn:
                return fn(conn)

        return self._retry(run)

    def write(self, batch: Batch | Sequence[Op], window: float | None = None) -> None:
        """Apply ``batch`` in one transaction, retried for ``window`` seconds (default: the
        retry window; 0: one try, for a caller that rides out an outage on its own)."""
        ops = batch.ops if isinstance(batch, Batch) else list(batch)
        if not ops:
            return
        if self._guard is not None:  # (an orchestrator's: a run that ends between heartbeats
            self._guard_file()  # must not end unrecorded; a Client's writes make no guard)

        def run() -> None:
            with self.engine.begin() as conn:
                execute(conn, ops)

        self._retry(run, window)

    # -- runs ---------------------------------------------------------------------------
    def create_run(
        self,
        run: Mapping[str, Any],
        steps: Sequence[Mapping[str, Any]],
        tags: Sequence[ChangeTags] = (),
    ) -> None:
        """Record a new run, its steps and its ``tags``; a name another run holds is
        refused (ZenML's EntityExistsError), and nothing is recorded.

        The name is checked inside the insert's own transaction, not by a unique index:
        stores written by an older dagwell may hold duplicate names, and they must still
        open. Two writers cannot both pass the check: SQLite's write transactions begin
        IMMEDIATE (one writer at a time, see connect), and on PostgreSQL the transaction
        first takes an advisory lock on the name, so the second waits for the first's
        commit and then sees its row."""
        self._guard_file()  # (the file the run goes into, from now on: see file_guard)
        row = {**run, "plan": {}}  # the plan goes to run_plans (see schema)
        t = schema.runs

        def run_tx() -> None:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
                        {"space": RUN_NAME_LOCKS, "name": run["name"]},
                    )
                holder = conn.execute(
                    select(t.c.id).where(t.c.name == run["name"]).limit(1)
                ).scalar()
                if holder is not None:
                    raise EntityExistsError(duplicate_run_name(run["name"], holder))
                conn.execute(insert(t).values(**row))
                conn.execute(insert(schema.run_plans).values(run_id=run["id"], plan=run["plan"]))
                if steps:
                    conn.execute(insert(schema.steps), [dict(s) for s in steps])
                for change in tags:
                    apply_tags(conn, change)

        self._retry(run_tx)

    def heartbeat(
        self, run_id: str, now: float, owner: str | None = None, window: float | None = None
    ) -> bool:
        """Record that the orchestrator is alive; return whether a stop was requested.
        With ``owner``, only while the run is still that owner's: a run another orchestrator
        claimed meanwhile (it took this one for dead) raises RunTakenOver."""
        self._guard_file()
        t = schema.runs

        def run() -> bool:
            with self.engine.begin() as conn:
                mine = (
                    t.c.id == run_id
                    if owner is None
                    else and_(t.c.id == run_id, t.c.owner == owner)
                )
                beat = conn.execute(update(t).where(mine).values(heartbeat_at=now))
                row = conn.execute(
                    select(t.c.stop_requested, t.c.owner).where(t.c.id == run_id)
                ).first()
                if owner is not None and not beat.rowcount and row is not None:
                    raise RunTakenOver(
                        f"Run {run_id} was taken over by {row.owner} while this orchestrator "
                        f"({owner}) could not record it; this one stopped its attempts and "
                        "recorded nothing more: the other one finishes the run."
                    )
                return bool(row is not None and row.stop_requested)

        return self._retry(run, window)

    def claim_run(self, run_id: str, old_owner: str | None, new_owner: str, now: float) -> bool:
        """Take over a run from a dead orchestrator; False if someone else took it first."""
        t = schema.runs

        def run() -> bool:
            with self.engine.begin() as conn:
                owner_matches = t.c.owner.is_(None) if old_owner is None else t.c.owner == old_owner
                result = conn.execute(
                    update(t)
                    .where(t.c.id == run_id, owner_matches)
                    .values(owner=new_owner, heartbeat_at=now)
                )
                return bool(result.rowcount)

        return self._retry(run)

    def request_stop(self, run_id: str) -> None:
        def run() -> None:
            with self.engine.begin() as conn:
                conn.execute(
                    update(schema.runs)
                    .where(schema.runs.c.id == run_id)
                    .values(stop_requested=True)
                )

        self._retry(run)

    def resolve_run_id(self, ref: str) -> str:
        """Accept a full id, a unique prefix, a run name, or ``latest``."""
        t = schema.runs
        if not ref.strip():
            raise RunNotFound("Give a run: its id, a prefix of its id, its name, or 'latest'.")

        def find(conn: Any) -> list[str]:
            if ref == "latest":
                row = conn.execute(select(t.c.id).order_by(t.c.created_at.desc()).limit(1)).first()
                return [row[0]] if row else []
            exact = (
                conn.execute(select(t.c.id).where((t.c.id == ref) | (t.c.name == ref)))
                .scalars()
                .all()
            )
            if exact:
                return list(exact)
            return list(
                conn.execute(  # a prefix, never a pattern: '%' and '_' are characters here
                    select(t.c.id).where(t.c.id.startswith(ref, autoescape=True)).limit(5)
                ).scalars()
            )

        found = self._read(find)
        if len(found) == 1:
            return found[0]
        if not found:
            raise RunNotFound(
                f"No run {ref!r} in the store at {self.safe_url}; "
                "`dagwell runs list` shows the runs there."
            )
        raise RunNotFound(
            f"Run id {ref!r} is ambiguous ({', '.join(found)}); give more characters."
        )

    def run_row(self, run_id: str) -> dict[str, Any]:
        def read(conn: Any) -> dict[str, Any] | None:
            row = (
                conn.execute(select(schema.runs).where(schema.runs.c.id == run_id))
                .mappings()
                .first()
            )
            return dict(row) if row else None

        row = self._read(read)
        if row is None:
            raise RunNotFound(f"No run {run_id!r} in the store at {self.safe_url}.")
        return row

    def run_plan(self, run_id: str) -> dict[str, Any]:
        """The run's plan as recorded when it started (Plan.to_json)."""
        t = schema.run_plans
        plan = self._read(
            lambda conn: conn.execute(select(t.c.plan).where(t.c.run_id == run_id)).scalar()
        )
        if plan is None:
            raise RunNotFound(f"No plan of run {run_id!r} in the store at {self.safe_url}.")
        return dict(plan)

    def step_rows(
        self,
        run_id: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """The run's steps in pipeline order; a page of them with ``offset``/``limit``."""
        t = schema.steps
        query = select(t).where(t.c.run_id == run_id).order_by(t.c.position)
        if status:
            query = query.where(t.c.status == status)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        return self._read(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def attempt_rows(
        self, run_id: str, step_ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """The run's attempts; only those of ``step_ids`` when given (a page of steps)."""
        t = schema.attempts
        base = select(t).where(t.c.run_id == run_id).order_by(t.c.step_id, t.c.number)
        if step_ids is None:
            return self._read(lambda conn: [dict(r) for r in conn.execute(base).mappings()])
        ids = list(step_ids)

        def read(conn: Any) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            for i in range(0, len(ids), 500):  # bounded IN lists
                query = base.where(t.c.step_id.in_(ids[i : i + 500]))
                rows.extend(dict(r) for r in conn.execute(query).mappings())
            return rows

        return self._read(read)

    def run_totals(self, run_id: str) -> dict[str, Any]:
        """Counts over all the run's steps and attempts, computed by the database (a summary
        of a 100,000-step run must not load 100,000 rows)."""
        s, a = schema.steps, schema.attempts

        def read(conn: Any) -> dict[str, Any]:
            counts = {
                status: n
                for status, n in conn.execute(
                    select(s.c.status, func.count())
                    .where(s.c.run_id == run_id)
                    .group_by(s.c.status)
                    .order_by(func.min(s.c.position))
                )
            }
            attempts, stepped = conn.execute(
                select(func.count(), func.count(func.distinct(a.c.step_id))).where(
                    a.c.run_id == run_id
                )
            ).one()
            oom = a.c.failure_kind == "oom_killed"
            ooms = conn.execute(select(func.count()).where(a.c.run_id == run_id, oom)).scalar_one()
            survivors = conn.execute(
                select(func.count(func.distinct(a.c.step_id)))
                .select_from(a.join(s, (a.c.run_id == s.c.run_id) & (a.c.step_id == s.c.step_id)))
                .where(a.c.run_id == run_id, oom, s.c.status == "completed")
            ).scalar_one()
            return {
                "steps": sum(counts.values()),
                "step_counts": counts,
                "oom_kills": ooms,
                "oom_survivors": survivors,
                "retries": attempts - stepped,
            }

        return self._read(read)

    def list_runs(
        self,
        *,
        limit: int | None = 20,
        pipeline: str | None = None,
        status: str | None = None,
        offset: int = 0,
        where: Mapping[str, str | None] | None = None,
        oldest_first: bool = False,
        step_counts: bool = True,
    ) -> list[dict[str, Any]]:
        """The newest runs (the oldest with ``oldest_first``), each with its ``step_counts``
        unless told not to; ``where`` adds equalities on columns (``name``, ``id``, ...)."""
        t = schema.runs
        columns = [c for c in t.c if c.name != "plan"]  # ({} since 0003: run_plans has it)
        order = [t.c.created_at, t.c.id] if oldest_first else [t.c.created_at.desc(), t.c.id.desc()]
        equal = {"pipeline": pipeline or None, "status": status or None, **(where or {})}
        query = (
            select(*columns).where(*_equal(t, equal)).order_by(*order).limit(limit).offset(offset)
        )

        def read(conn: Any) -> list[dict[str, Any]]:
            rows = [dict(r) for r in conn.execute(query).mappings()]
            if not step_counts:
                return rows
            ids = [r["id"] for r in rows]
            counts: dict[str, dict[str, int]] = {i: {} for i in ids}
            s = schema.steps
            for i in range(0, len(ids), 500):  # bounded IN lists
                for run_id, step_status, n in conn.execute(
                    select(s.c.run_id, s.c.status, func.count())
                    .where(s.c.run_id.in_(ids[i : i + 500]))
                    .group_by(s.c.run_id, s.c.status)
                ):
                    counts[run_id][step_status] = n
            for row in rows:
                row["step_counts"] = counts[row["id"]]
            return rows

        return self._read(read)

    def count_runs(self, where: Mapping[str, str | None] | None = None) -> int:
        """How many runs have these column values (all of them when none is given)."""
        t = schema.runs
        query = select(func.count()).select_from(t).where(*_equal(t, where or {}))
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def run_index(self, run_id: str) -> int:
        """ZenML's ``run.index``: how many runs of its pipeline were made by the time run
        ``run_id`` was (1 for its first)."""
        t, mine = schema.runs, schema.runs.alias("mine")
        query = (
            select(func.count())
            .select_from(t.join(mine, t.c.pipeline == mine.c.pipeline))
            .where((mine.c.id == run_id) & (t.c.created_at <= mine.c.created_at))
        )
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def pipelines(self) -> list[dict[str, Any]]:
        """Each pipeline that ran, oldest first: ``name``, ``created_at`` (of its first run),
        ``updated_at`` and ``latest_status`` (of its newest run): one query, however many
        runs there are."""
        t = schema.runs
        spans = (
            select(
                t.c.pipeline,
                func.min(t.c.created_at).label("first"),
                func.max(t.c.created_at).label("last"),
            )
            .group_by(t.c.pipeline)
            .subquery()
        )
        query = (
            select(spans.c.pipeline, spans.c.first, spans.c.last, t.c.status)
            .select_from(
                spans.join(t, (t.c.pipeline == spans.c.pipeline) & (t.c.created_at == spans.c.last))
            )
            .order_by(spans.c.first, spans.c.pipeline, t.c.id.desc())
        )

        def read(conn: Any) -> list[dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for name, first, last, status in conn.execute(query):  # (two newest at once: one)
                found.setdefault(
                    name,
                    {
                        "name": name,
                        "created_at": first,
                        "updated_at": last,
                        "latest_status": status,
                    },
                )
            return list(found.values())

        return self._read(read)

    def list_steps(
        self,
        *,
        where: Mapping[str, str | None] | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Steps across runs (``run_id``, ``step_id``, ``position``, ``status``,
        ``started_at``, ``ended_at``), by start time (those not started first, or last with
        ``newest_first``), then by run and pipeline order."""
        s = schema.steps
        started = case((s.c.started_at.is_(None), 0), else_=1)
        by_time = (
            [started.desc(), s.c.started_at.desc()] if newest_first else [started, s.c.started_at]
        )
        query = (
            select(s.c.run_id, s.c.step_id, s.c.position, s.c.status, s.c.started_at, s.c.ended_at)
            .where(*_equal(s, where or {}))
            .order_by(*by_time, s.c.run_id, s.c.position)
            .limit(limit)
            .offset(offset)
        )
        return self._read(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def count_steps(self, where: Mapping[str, str | None] | None = None) -> int:
        """How many steps (of all runs) have these column values."""
        s = schema.steps
        query = select(func.count()).select_from(s).where(*_equal(s, where or {}))
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def produced_outputs(
        self, pipeline: str | None = None, step_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Steps that produced their outputs themselves (completed, not cached), oldest run
        first: ``run_id``, ``pipeline``, ``created_at``, ``orchestrator``, ``step_id``,
        ``outputs``. ZenML's unnamed artifact versions are derived from these (see
        dagwell.engine.unnamed)."""
        r, s = schema.runs, schema.steps
        query = (
            select(r.c.id, r.c.pipeline, r.c.created_at, r.c.orchestrator, s.c.step_id, s.c.outputs)
            .select_from(r.join(s, s.c.run_id == r.c.id))
            .where(s.c.status == "completed", s.c.cached_from.is_(None))
            .order_by(r.c.created_at, r.c.id, s.c.position)
        )
        if pipeline is not None:
            query = query.where(r.c.pipeline == pipeline)
        if step_id is not None:
            query = query.where(s.c.step_id == step_id)

        def read(conn: Any) -> list[dict[str, Any]]:
            return [
                {**dict(row), "run_id": row["id"], "outputs": row["outputs"] or {}}
                for row in conn.execute(query).mappings()
                if row["outputs"]
            ]

        return self._read(read)

    def tags_of(self, kind: str, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The tags on each ``kind`` ("run", "pipeline", "artifact") of ``ids``: ``{"name",
        "exclusive", "color"}`` each, in the order they were put on."""
        wanted = list(ids)
        return self._read(lambda conn: read_tags(conn, kind, wanted))

    def create_tag(self, name: str, exclusive: bool, at: float, color: str | None = None) -> bool:
        """Make a tag of runs, pipelines and artifacts; False when it exists already."""
        from dagwell.store import tags

        def run() -> bool:
            with self.engine.begin() as conn:
                return tags.create(conn, name, exclusive, at, color)

        return self._retry(run)

    def set_tag_color(self, name: str, color: str) -> None:
        from dagwell.store import tags

        def run() -> None:
            with self.engine.begin() as conn:
                tags.set_color(conn, name, color)

        self._retry(run)

    def set_tag_exclusive(self, name: str, exclusive: bool) -> None:
        """Make a tag exclusive or not (ValueError when it cannot be exclusive now)."""
        from dagwell.store import tags

        def run() -> None:
            with self.engine.begin() as conn:
                tags.set_exclusive(conn, name, exclusive)

        self._retry(run)

    def tag_rows(self) -> list[dict[str, Any]]:
        """Every tag the run store keeps, oldest first."""
        from dagwell.store import tags

        return self._read(tags.every)

    def tag_kinds(self) -> dict[str, set[str]]:
        """What each tag of the run store is on ("run", "pipeline", "artifact")."""
        from dagwell.store import tags

        return self._read(tags.kinds)

    def cached_steps(self) -> list[dict[str, Any]]:
        """Steps that took their outputs from the cache: ``run_id``, ``step_id``,
        ``cached_from`` (the run that produced them), ``cached_step`` (its step there, None
        if recorded before 0004), ``outputs``."""
        s = schema.steps
        columns = (s.c.run_id, s.c.step_id, s.c.cached_from, s.c.cached_step, s.c.outputs)
        query = select(*columns).where(s.c.status == "cached", s.c.cached_from.is_not(None))
        return self._read(lambda conn: [dict(r) for r in conn.execute(query).mappings()])

    def expire_cache(self, run_id: str, step_id: str) -> int:
        """Stop step ``step_id`` of run ``run_id`` from serving later runs from the cache
        (ZenML's ``update_step_run(cache_expires_at=<now>)``): its cache entries go (an
        older step run with the key serves again, as in ZenML); how many there were (none
        for a step that was itself a cache hit)."""
        t = schema.step_cache

        def run() -> int:
            with self.engine.begin() as conn:
                gone = conn.execute(delete(t).where(t.c.run_id == run_id, t.c.step_id == step_id))
                return int(gone.rowcount or 0)

        return self._retry(run)

    def cache_get(self, cache_key: str) -> dict[str, Any] | None:
        """The newest entry of ``cache_key`` (ZenML's newest unexpired step run with it)."""
        t = schema.step_cache

        newest = (
            select(t)
            .where(t.c.cache_key == cache_key)
            .order_by(t.c.created_at.desc(), t.c.run_id.desc())
            .limit(1)
        )

        def read(conn: Any) -> dict[str, Any] | None:
            row = conn.execute(newest).mappings().first()
            return dict(row) if row else None

        return self._read(read)

    def learned_peaks(
        self, pipeline: str, names: Iterable[str], recent: int = LEARN_FROM
    ) -> dict[str, int]:
        """Highest peak memory of each step name's ``recent`` latest completed attempts in
        this pipeline: one outlier long ago does not serialise every later run."""
        wanted = list(set(names))
        if not wanted:
            return {}
        a, s, r = schema.attempts, schema.steps, schema.runs
        query = (
            select(s.c.name, a.c.peak_memory)
            .select_from(
                a.join(s, and_(a.c.run_id == s.c.run_id, a.c.step_id == s.c.step_id)).join(
                    r, r.c.id == a.c.run_id
                )
            )
            .where(
                a.c.status == "completed",
                s.c.name.in_(wanted),
                r.c.pipeline == pipeline,
                a.c.peak_memory.is_not(None),
            )
            .order_by(a.c.ended_at.desc())
            .limit(recent * len(wanted) * 4)
        )

        def latest(conn: Any) -> dict[str, int]:
            seen: dict[str, list[int]] = {}
            for name, peak in conn.execute(query):
                kept = seen.setdefault(name, [])
                if peak and len(kept) < recent:
                    kept.append(int(peak))
            return {name: max(peaks) for name, peaks in seen.items() if peaks}

        return self._read(latest)
