"""The run store's tables (SQLAlchemy Core). Changes here need an alembic migration.

Times are float seconds since the epoch (UTC): cheap to write on the hot path, exact for
durations, and turned into datetimes only by the read models in :mod:`dagwell.api.client`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("pipeline", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_rule", String(200)),
    Column("plan", JSON, nullable=False),  # {} since 0003: the plan is in run_plans
    Column("params", JSON),
    Column("orchestrator", JSON),
    Column("owner", String(200)),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("heartbeat_at", Float),
    Column("stop_requested", Boolean, nullable=False, default=False),
    Index("ix_runs_created", "created_at"),
    Index("ix_runs_pipeline", "pipeline"),
)

# Apart from runs: SQLite rewrites a whole row on UPDATE, and runs is updated every second
# (heartbeat) while a plan can be tens of MB.
run_plans = Table(
    "run_plans",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("plan", JSON, nullable=False),
    ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
)

steps = Table(
    "steps",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("step_id", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text),
    Column("upstream", JSON),
    Column("params", JSON),
    Column("cache_key", String(64)),
    Column("cached_from", String(32)),
    Column("cached_step", String(200)),  # the step of cached_from it reused (since 0004)
    Column("outputs", JSON),
    Column("started_at", Float),
    Column("ended_at", Float),
    ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
    Index("ix_steps_name", "name"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("step_id", String(200), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("failure_kind", String(32)),
    Column("failure_message", Text),
    Column("exit_code", Integer),
    Column("signal", Integer),
    Column("reason", String(200)),
    Column("oom_scope", String(32)),
    Column("node", String(200)),
    Column("traceback", Text),
    Column("memory_limit", BigInteger),
    Column("memory_request", BigInteger),
    Column("peak_memory", BigInteger),
    Column("budget", String(16)),
    Column("backoff", Float),
    Column("external_id", String(300)),
    Column("started_at", Float),
    Column("ended_at", Float),
    Column("memory_samples", JSON),  # dagwell.core.memory.MemorySeries, when sampled
    ForeignKeyConstraint(
        ["run_id", "step_id"], ["steps.run_id", "steps.step_id"], ondelete="CASCADE"
    ),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("materializer", String(64), nullable=False),
    Column("type_name", String(300), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("python", String(16)),
    Column("created_at", Float, nullable=False),
)

# One entry per step run that completed with the key (since 0006; one per key before, the
# newest): a lookup takes the newest, and expiring it leaves the older ones serving.
step_cache = Table(
    "step_cache",
    metadata,
    Column("cache_key", String(64), primary_key=True),
    Column("run_id", String(32), primary_key=True),
    Column("step_id", String(200), primary_key=True),
    Column("outputs", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_step_cache_newest", "cache_key", "created_at"),  # (a lookup: the newest)
    Index("ix_step_cache_step_run", "run_id", "step_id"),  # (an expiry)
)

# ZenML's tags of runs, pipelines and artifacts (since 0005; artifact versions keep theirs
# in the artifact registry, where the attempt that makes a version writes it). A tag is one
# row here, with whether it is exclusive; each run, pipeline or artifact it is on is a row
# of tag_links.
tags = Table(
    "tags",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("exclusive", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("color", String(20)),  # (since 0007; none recorded: its name's, core.tag_colors)
)

tag_links = Table(
    "tag_links",
    metadata,
    Column("tag", String(200), primary_key=True),
    Column("kind", String(20), primary_key=True),  # "run", "pipeline" or "artifact"
    Column("resource_id", String(200), primary_key=True),  # a run's id, else the name
    # Where an exclusive tag is one: a run's pipeline (ZenML keeps it on one run of each).
    Column("scope", String(200)),
    Column("created_at", Float, nullable=False),
    ForeignKeyConstraint(["tag"], ["tags.name"], ondelete="CASCADE"),
    Index("ix_tag_links_resource", "kind", "resource_id"),
)
