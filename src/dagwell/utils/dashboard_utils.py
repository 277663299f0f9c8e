"""``dagwell.utils.dashboard_utils``: ZenML's links to a run's page in its dashboard.

ZenML answers None when no dashboard server is connected. dagwell's dashboard (`dagwell ui`)
runs wherever it was started, so a link is known only when ``DAGWELL_UI_URL`` names it
(e.g. ``http://127.0.0.1:8237``, read when asked); otherwise None, as in ZenML.
"""

from __future__ import annotations

import os
from typing import Any


def get_run_url(run: Any) -> str | None:
    """The run's page (``<DAGWELL_UI_URL>/runs/<id>``), or None without DAGWELL_UI_URL."""
    base = os.environ.get("DAGWELL_UI_URL", "").strip()
    return f"{base.rstrip('/')}/runs/{run.id}" if base else None


def get_model_version_url(model_version: Any) -> str | None:
    """None: dagwell's dashboard has no model pages (ZenML answers None without one)."""
    return None
