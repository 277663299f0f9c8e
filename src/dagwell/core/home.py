"""Where dagwell keeps things, resolved when asked (never read from globals at import time).

``DAGWELL_HOME`` (default ``.dagwell/`` under the working directory) holds the SQLite
store, local artifacts and attempt logs. ``DAGWELL_STORE_URL`` points the store elsewhere
(PostgreSQL) and ``DAGWELL_ARTIFACT_STORE`` the artifacts (a shared path or fsspec URL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from dagwell.core.names import safe_key


@dataclass(frozen=True)
class Home:
    root: Path
    store_url: str
    artifacts: str
    logs: Path

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite store's file, when the store is one (None for PostgreSQL)."""
        if not self.store_url.startswith("sqlite:///"):
            return None
        return Path(unquote(self.store_url.removeprefix("sqlite:///").split("?", 1)[0]))

    def log_path(self, run_id: str, step_id: str, attempt: int) -> Path:
        return self.logs / run_id / f"{safe_key(step_id)}.{attempt}.log"


def resolve_home(
    home: str | os.PathLike[str] | None = None,
    *,
    store_url: str | None = None,
    artifacts: str | None = None,
) -> Home:
    root = Path(home or os.environ.get("DAGWELL_HOME") or Path.cwd() / ".dagwell").absolute()
    # the path is quoted: a home may hold '?', '#' or '%', which a URL would read as syntax
    default = f"sqlite:///{quote(str(root / 'dagwell.db'), safe='/')}"
    url = store_url or os.environ.get("DAGWELL_STORE_URL") or default
    arts = artifacts or os.environ.get("DAGWELL_ARTIFACT_STORE") or str(root / "artifacts")
    return Home(root=root, store_url=url, artifacts=arts, logs=root / "logs")
