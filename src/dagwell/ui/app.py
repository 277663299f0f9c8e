"""The dashboard's routes: runs list, run page, step page, logs, live updates, actions.

Every page is rendered by Jinja with autoescaping on, so whatever a step printed or
returned is shown as text. No request path reaches the filesystem: a log is found from the
run's recorded steps and attempt numbers (an unknown name is a 404), and the resulting path
must lie inside the dagwell home.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dagwell.api.client import Client
from dagwell.core.errors import RunNotFound
from dagwell.core.records import PipelineRun, StepRun
from dagwell.core.statuses import RunStatus
from dagwell.ui import views
from dagwell.ui.metrics import metrics_text
from dagwell.ui.previews import preview
from dagwell.ui.security import Guard

PAGE = 50
LOG_TAIL = 64 * 1024
STATIC = Path(__file__).parent / "static"


def story_text(run: PipelineRun) -> str:
    """What ``dagwell runs show`` prints, as plain text."""
    from rich.console import Console

    from dagwell.display.report import run_view

    console = Console(record=True, width=120, file=io.StringIO())
    console.print(run_view(run))
    return console.export_text()


def step_url(run_id: str, step: str, tail: str = "") -> str:
    """The address of a step's page (``tail``: of something under it, as ``/attempts/1/log``).
    A step id that is ``.`` or ``..`` (which a browser folds away, even encoded), or one
    that needs escaping (a ``/``, which servers and proxies decode before routing; a ``%``,
    ...), goes in the query instead of the path."""
    encoded = quote(step, safe="")
    if encoded != step or step in (".", ".."):
        return f"/runs/{run_id}/step{tail}?name={encoded}"
    return f"/runs/{run_id}/steps/{step}{tail}"


def _step_name(request: Request) -> str:
    """The step a request is about: in its path, or (see :func:`step_url`) its query."""
    return str(request.path_params.get("step") or request.query_params.get("name", ""))


class Dashboard:
    def __init__(self, client: Client, guard: Guard) -> None:
        self.client = client
        self.guard = guard
        self.env = Environment(
            loader=PackageLoader("dagwell.ui", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.env.globals["step_url"] = step_url

    def render(self, name: str, **context: Any) -> HTMLResponse:
        context.setdefault("read_only", self.guard.read_only)
        return HTMLResponse(self.env.get_template(name).render(**context))

    # -- pages ------------------------------------------------------------------------------
    async def runs(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        pipeline = request.query_params.get("pipeline") or None
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        found = self.client.list_runs(
            limit=PAGE + 1, offset=(page - 1) * PAGE, pipeline=pipeline, status=status, steps=False
        )
        rows = [views.run_row(r) for r in found[:PAGE]]
        return self.render(
            "runs.html",
            rows=rows,
            status=status or "",
            pipeline=pipeline or "",
            page=page,
            has_next=len(found) > PAGE,
            statuses=[s.value for s in RunStatus],
        )

    def _run(self, request: Request) -> PipelineRun:
        return self.client.get_run(request.path_params["run_id"])

    def _run_parts(self, run: PipelineRun) -> dict[str, Any]:
        return {
            "run": run,
            "row": views.run_row(run),
            "dag": views.dag(run),
            "timeline": views.timeline(run, time.time()),
            "story": story_text(run),
        }

    async def run_page(self, request: Request) -> Response:
        run = self._run(request)
        parts = self._run_parts(run)
        memory = json.dumps(views.memory(run)).replace("</", "<\\/")
        outputs = [
            (s.name, name, preview(s, name)) for s in run.steps.values() for name in s.outputs
        ]
        return self.render("run.html", memory_json=memory, outputs=outputs, **parts)

    async def run_live(self, request: Request) -> Response:
        """The run's changing parts, for the page's polling (no reload)."""
        run = self._run(request)
        parts = self._run_parts(run)
        fragments = {
            name: self.env.get_template(f"_{name}.html").render(**parts)
            for name in ("header", "dag", "timeline", "story")
        }
        return JSONResponse(
            {
                "status": run.display_status,
                "running": run.status is RunStatus.RUNNING,
                "fragments": fragments,
                "memory": views.memory(run),
            }
        )

    def _step(self, run: PipelineRun, name: str) -> StepRun:
        if name not in run.steps:
            raise KeyError(f"Run {run.id} has no step {name!r}.")
        return run.steps[name]

    async def step_page(self, request: Request) -> Response:
        run = self._run(request)
        step = self._step(run, _step_name(request))
        attempts = [(a, views.attempt_facts(a)) for a in step.attempts]
        outputs = [(name, preview(step, name)) for name in step.outputs]
        return self.render("step.html", run=run, step=step, attempts=attempts, outputs=outputs)

    async def log(self, request: Request) -> Response:
        """An attempt's log from ``offset`` (default: its last 64 KiB) as JSON, for follow."""
        run = self._run(request)
        step = self._step(run, _step_name(request))
        number = int(request.path_params["attempt"])
        if number not in {a.number for a in step.attempts}:
            raise KeyError(f"Step {step.name!r} has no attempt {number}.")
        home = Path(self.client.home.root).resolve()
        reader = self.client.attempt_log(run, step.name, number)
        if not Path(reader.local).resolve().is_relative_to(home):
            return PlainTextResponse("That log lies outside the dagwell home.", 403)
        size = reader.size()
        raw = request.query_params.get("offset")
        offset = max(0, size - LOG_TAIL) if raw is None else min(max(0, int(raw)), size)
        data = reader.read(offset) if size > offset else b""
        text = (data or b"")[: size - offset].decode(errors="replace")
        attempt = next(a for a in step.attempts if a.number == number)
        return JSONResponse(
            {"text": text, "offset": size, "running": attempt.status.value == "running"}
        )

    # -- actions ----------------------------------------------------------------------------
    async def stop(self, request: Request) -> Response:
        run = self.client.stop_run(self._run(request).id)
        return JSONResponse({"status": run.display_status})

    async def resume(self, request: Request) -> Response:
        """Continue an orphaned run in a process of its own (``Client.resume_run`` there), so
        it outlives neither more nor less than the dashboard's request."""
        run = self._run(request)
        if not run.orphaned:
            return JSONResponse({"error": f"Run {run.id} is not orphaned."}, 409)
        code = f"from dagwell import Client; Client().resume_run({run.id!r}, progress=False)"
        subprocess.Popen(
            [sys.executable, "-c", code],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return JSONResponse({"status": "resuming"})

    async def metrics(self, request: Request) -> Response:
        return Response(metrics_text(self.client), media_type="text/plain; version=0.0.4")


def create_app(
    client: Client, *, bind_host: str, token: str | None = None, read_only: bool = False
) -> Starlette:
    guard = Guard(bind_host=bind_host, token=token, read_only=read_only)
    board = Dashboard(client, guard)

    async def guarded(request: Request, call_next: RequestResponseEndpoint) -> Response:
        refusal = guard.check(request)
        return refusal if refusal is not None else await call_next(request)

    async def not_found(request: Request, exc: Exception) -> Response:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return PlainTextResponse(f"404: {message}", 404)

    return Starlette(
        routes=[
            Route("/", board.runs),
            Route("/metrics", board.metrics),
            Route("/runs/{run_id}", board.run_page),
            Route("/runs/{run_id}/live", board.run_live),
            Route("/runs/{run_id}/stop", board.stop, methods=["POST"]),
            Route("/runs/{run_id}/resume", board.resume, methods=["POST"]),
            Route("/runs/{run_id}/steps/{step}", board.step_page),
            Route("/runs/{run_id}/steps/{step}/attempts/{attempt:int}/log", board.log),
            Route("/runs/{run_id}/step", board.step_page),  # ?name= (see step_url)
            Route("/runs/{run_id}/step/attempts/{attempt:int}/log", board.log),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guarded)],
        exception_handlers={RunNotFound: not_found, KeyError: not_found},
    )
