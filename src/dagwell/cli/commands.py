"""The ``dagwell`` command line. It reads the store through Client and calls the public API.

dagwell run FILE[:PIPELINE] [-p name=value ...]
dagwell runs list | show RUN | logs [-f] RUN [STEP] | watch RUN | stop RUN | resume RUN
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from dagwell.core.errors import DagwellError
from dagwell.core.records import PipelineRun, RunFailedError
from dagwell.core.statuses import RunStatus, StepStatus

RUN_STATUSES = click.Choice([s.value for s in RunStatus])
STEP_STATUSES = click.Choice([s.value for s in StepStatus])


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)  # no wrapping into a pipe


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _client(reading: bool = False) -> Any:
    """The Client; ``reading`` commands never create a store where there is none."""
    from dagwell.api.client import Client
    from dagwell.core.home import resolve_home

    home = resolve_home()
    db = home.sqlite_file
    if reading and db is not None and not db.exists():
        _fail(f"No dagwell store at {db}: no run was recorded here (set DAGWELL_HOME).")
    return Client()


@click.group()
@click.version_option(package_name="dagwell")
def cli() -> None:
    """dagwell: ML pipelines whose runs always end, and end with the truth."""
    from dagwell.core.home import resolve_home

    root = resolve_home().root
    if root.exists() and not root.is_dir():
        _fail(f"DAGWELL_HOME {root} is a file, not a directory; point it at a directory.")


def _parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            _fail(f"--param {item!r}: use name=value (the value is read as JSON when it can be).")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _load_pipelines(target: str) -> tuple[list[Any], list[Any]]:
    """Load FILE (pipeline calls in it are recorded, not run); return (pipelines, calls)."""
    from dagwell.api.pipelines import Pipeline, deferring_calls
    from dagwell.runtimes.locator import cut_short, load_file_module

    path = Path(target)
    if not path.exists():
        _fail(f"{target}: no such file.")
    sys.path.insert(0, str(path.parent.absolute()))
    with deferring_calls() as calls:
        try:
            module = load_file_module(str(path.absolute()))
        except SyntaxError as error:
            _fail(f"{error.filename}:{error.lineno}: {type(error).__name__}: {error.msg}")
        except DagwellError:
            raise
        except Exception as error:
            _fail(f"{_where(error, path)}{type(error).__name__}: {error}")
    stopped = cut_short(str(path.absolute()))
    if stopped is not None:
        _notice(
            f"{_where(stopped, path)}{type(stopped).__name__}: {stopped}. `dagwell run` loads "
            "the file with its pipeline calls doing nothing (they return None), so the code "
            "after that point did not run; the pipeline calls made before it run now."
        )
    found = [v for v in vars(module).values() if isinstance(v, Pipeline)]
    return found, calls


def _where(error: BaseException, path: Path) -> str:
    """``file:line: `` of the deepest frame of ``error`` in the pipeline file."""
    import traceback

    mine = str(path.absolute())
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == mine]
    return f"{mine}:{frames[-1].lineno}: " if frames else f"{path}: "


_EXAMPLES: dict[type, str] = {int: "3", float: "0.5", bool: "true", str: "text"}


def _check_params(pipeline: Any, params: dict[str, Any]) -> None:
    """``-p`` values against the pipeline's signature: unknown names and values of the
    wrong type (``-p n=notanint`` for ``n: int``) are usage errors, not silent strings."""
    import inspect
    import typing

    func = pipeline.func
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        hints = {}
    for key, value in params.items():
        if key not in signature.parameters:
            names = ", ".join(signature.parameters) or "none"
            _fail(f"-p {key}=...: pipeline {pipeline.name!r} has no parameter {key!r} ({names}).")
        wanted = hints.get(key)
        if wanted not in _EXAMPLES:
            continue
        accepted: tuple[type, ...] = (int, float) if wanted is float else (wanted,)
        if not isinstance(value, accepted) or (wanted is not bool and isinstance(value, bool)):
            _fail(
                f"-p {key}={value}: parameter {key!r} of pipeline {pipeline.name!r} is "
                f"{wanted.__name__}; give one, e.g. -p {key}={_EXAMPLES[wanted]}."
            )


@cli.command()
@click.argument("target")
@click.option("-p", "--param", "params", multiple=True, help="Pipeline parameter name=value.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished run as JSON.")
def run(target: str, params: tuple[str, ...], as_json: bool) -> None:
    """Run a pipeline: FILE (its own pipeline call, or its only pipeline) or FILE:PIPELINE."""
    file, _, name = target.partition(":")
    pipelines, calls = _load_pipelines(file)
    kwargs = _parse_params(params)
    if name:
        chosen = [p for p in pipelines if name in (p.name, p.__name__)]
        if not chosen:
            names = ", ".join(p.__name__ for p in pipelines) or "none"
            _fail(f"{file} has no pipeline {name!r} (pipelines there: {names}).")
        todo = [(chosen[0], (), kwargs)]
    elif calls:
        todo = [(p, args, {**kw, **kwargs}) for p, args, kw in calls]
    elif len(pipelines) == 1:
        todo = [(pipelines[0], (), kwargs)]
    else:
        names = ", ".join(p.__name__ for p in pipelines) or "none"
        _fail(f"{file} does not call a pipeline; name one as {file}:PIPELINE (found: {names}).")
    for pipeline, _args, kw in todo:
        _check_params(pipeline, kw)
    code = 0
    for pipeline, args, kw in todo:
        code = max(code, _show_finished(lambda p=pipeline, a=args, k=kw: p(*a, **k), as_json))
    sys.exit(code)


def _show_finished(start: Any, as_json: bool) -> int:
    """Run ``start()`` to the end of a run, print the run, return the exit code."""
    from dagwell.display.report import run_json, run_view

    try:
        result, code = start(), 0
    except RunFailedError as error:
        result, code = error.run, 1
    if as_json:
        click.echo(json.dumps(run_json(result), indent=2))
    else:
        _console().print(run_view(result))
    return code


@cli.group()
def runs() -> None:
    """Inspect and control recorded runs."""


@runs.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--pipeline", default=None, help="Only runs of this pipeline.")
@click.option("--status", type=RUN_STATUSES, default=None, help="Only runs with this status.")
@click.option("--json", "as_json", is_flag=True)
def runs_list(limit: int, pipeline: str | None, status: str | None, as_json: bool) -> None:
    """List the latest runs."""
    from dagwell.core.home import resolve_home
    from dagwell.display.report import run_json, runs_table

    db = resolve_home().sqlite_file
    if db is not None and not db.exists():
        found = []  # nothing recorded here, and listing creates no store
    else:
        found = _client().list_runs(limit=limit, pipeline=pipeline, status=status, steps=False)
    if as_json:
        click.echo(json.dumps([run_json(r, with_steps=False) for r in found], indent=2))
    elif not found:
        click.echo("No runs yet. Run a pipeline, e.g. `dagwell run examples/seed.py`.")
    else:
        _console().print(runs_table(found))


@runs.command("show")
@click.argument("run_ref", metavar="RUN")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Show at most this many steps [default: 200; with --json: all].",
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many steps.")
@click.option(
    "--status", type=STEP_STATUSES, default=None, help="Only steps with this status (e.g. failed)."
)
def runs_show(
    run_ref: str, as_json: bool, limit: int | None, offset: int, status: str | None
) -> None:
    """Show a run's steps and attempts (RUN: id, id prefix, name, or 'latest').

    Steps are shown a page at a time (--offset, --limit); the summary counts them all."""
    from dagwell.display.report import run_json, run_view

    if limit is None and not as_json:
        limit = 200
    found = _client(reading=True).get_run(run_ref, offset=offset, limit=limit, status=status)
    if as_json:
        click.echo(json.dumps(run_json(found), indent=2))
    else:
        _console().print(run_view(found))


@runs.command("logs")
@click.argument("run_ref", metavar="RUN")
@click.argument("step", required=False)
@click.option("--attempt", type=int, default=None)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new output until the run ends.")
@click.option("--json", "as_json", is_flag=True)
def runs_logs(
    run_ref: str, step: str | None, attempt: int | None, follow: bool, as_json: bool
) -> None:
    """Print the logs of a run's attempts (all steps, or one)."""
    client = _client(reading=True)
    if step is not None or attempt is not None:
        steps = client.get_run(run_ref).steps
        if step is not None and step not in steps:
            _fail(f"Run {run_ref} has no step {step!r}; its steps: {', '.join(steps) or 'none'}.")
        chosen = [steps[step]] if step is not None else list(steps.values())
        numbers = sorted({a.number for s in chosen for a in s.attempts})
        if attempt is not None and attempt not in numbers:
            where = f"step {step!r}" if step is not None else "any step"
            _fail(
                f"Run {run_ref} has no attempt {attempt} of {where}; its attempts: "
                f"{', '.join(map(str, numbers)) or 'none'}."
            )
    if follow:
        from dagwell.cli.watch import follow_logs, run_reader

        def read_log(run: PipelineRun, name: str, number: int, offset: int) -> bytes | None:
            data: bytes | None = client.attempt_log(run, name, number).read(offset)
            return data

        try:
            for text in follow_logs(run_reader(client, run_ref), read_log, step):
                click.echo(text, nl=False)
        except KeyboardInterrupt:
            click.echo("\n(detached; the run goes on)", err=True)
        return
    if not as_json:
        click.echo(client.logs(run_ref, step, attempt), nl=False)
        return
    found = client.get_run(run_ref)
    entries = []
    for s in [found.steps[step]] if step else found.steps.values():
        for a in s.attempts:
            if attempt is None or a.number == attempt:
                text = client.attempt_log(found, s.name, a.number).text()
                entries.append({"step": s.name, "attempt": a.number, "log": text})
    click.echo(json.dumps(entries, indent=2))


@runs.command("watch")
@click.argument("run_ref", metavar="RUN")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between reads.")
def runs_watch(run_ref: str, interval: float) -> None:
    """Follow a run's progress from the store until it ends; Ctrl-C detaches (the run goes
    on). Works for detached Kubernetes runs and for runs of other processes."""
    from dagwell.cli.watch import run_reader, watch_lines

    client = _client()
    try:
        for line in watch_lines(run_reader(client, run_ref), interval):
            click.echo(line)
    except KeyboardInterrupt:
        click.echo("(detached; the run goes on; `dagwell runs stop RUN` stops it)", err=True)


@runs.command("stop")
@click.argument("run_ref", metavar="RUN")
@click.option("--json", "as_json", is_flag=True)
def runs_stop(run_ref: str, as_json: bool) -> None:
    """Stop a running (or orphaned) run: running attempts are killed, the rest skipped.
    An orchestrator that is frozen (stopped, or hung with a silent heartbeat) is killed
    and the run is stopped here."""
    from dagwell.display.report import run_json

    client = _client()
    before = client.get_run(run_ref)
    noted: list[str] = []

    def notice(message: str) -> None:
        noted.append(message)
        _notice(message)

    after = client.stop_run(before.id, notify=notice)
    if as_json:
        click.echo(json.dumps(run_json(after, with_steps=False), indent=2))
    elif before.status.value != "running":
        click.echo(f"Run {after.id} already ended {after.status.value}.")
    elif after.status.value == "running" and noted:  # (a process the command could not end)
        click.echo(
            f"Stop requested for run {after.id}, but its orchestrator may not act on it: "
            "see the note above."
        )
    elif after.status.value == "running":
        click.echo(f"Stop requested for run {after.id}; its orchestrator stops it within seconds.")
    elif after.status.value == "cancelled" or any(
        s.status.value == "cancelled" for s in after.steps.values()
    ):  # (a run with a failed step ends failed, though the stop cancelled the others)
        click.echo(f"Run {after.id} stopped: {after.summary()}")
    else:  # it ended on its own first (its last step was done): the stop changed nothing
        click.echo(
            f"Run {after.id} ended {after.status.value} before the stop could act: "
            f"{after.summary()}"
        )


@runs.command("resume")
@click.argument("run_ref", metavar="RUN")
@click.option("--json", "as_json", is_flag=True)
def runs_resume(run_ref: str, as_json: bool) -> None:
    """Continue an orphaned run: completed steps are reused, lost attempts retried. An
    orchestrator that is frozen (stopped, or hung with a silent heartbeat) is killed first."""
    sys.exit(_show_finished(lambda: _client().resume_run(run_ref, notify=_notice), as_json))


def _notice(message: str) -> None:
    """Something a command did beyond what was asked (on stderr: --json stays parseable)."""
    click.echo(f"note: {message}", err=True)


@cli.command("ui")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", default=8237, show_default=True, type=click.IntRange(0, 65535),
    help="0: any free port (printed).",
)  # fmt: skip
@click.option("--token", default=None, help="Required off loopback (or DAGWELL_UI_TOKEN).")
@click.option("--read-only", is_flag=True, help="No stop/resume buttons, no writes.")
def ui(host: str, port: int, token: str | None, read_only: bool) -> None:
    """Serve the web dashboard and /metrics (needs the `ui` extra: pip install dagwell[ui])."""
    try:
        from dagwell.ui.server import serve
    except ImportError as error:
        _fail(f"dagwell ui needs the ui extra ({error.name} is missing): pip install dagwell[ui]")
    try:
        serve(host, port, token=token, read_only=read_only, echo=click.echo)
    except ValueError as error:
        _fail(str(error))


@cli.command("attempt", hidden=True)
@click.argument("spec")
def attempt(spec: str) -> None:
    """Run one attempt from a JSON spec (what a step pod executes)."""
    import os

    from dagwell.runtimes.base import AttemptSpec
    from dagwell.runtimes.worker import attempt_env, end_attempt, prepare_process, run_attempt

    text = Path(spec).read_text() if not spec.lstrip().startswith("{") else spec
    parsed = AttemptSpec.from_json(json.loads(text))
    os.environ.update(attempt_env(parsed))
    prepare_process()
    end_attempt(run_attempt(parsed))


@cli.command("orchestrate", hidden=True)
@click.argument("run_ref", metavar="RUN", required=False)
@click.option("--scheduled", is_flag=True, help="Record this Job's run from DAGWELL_SCHEDULED.")
def orchestrate(run_ref: str | None, scheduled: bool) -> None:
    """Drive a detached run to its end (what an orchestrator pod executes)."""
    import faulthandler
    import logging
    import signal

    from dagwell.engine.alert_delivery import wait_for_deliveries
    from dagwell.engine.detached import orchestrate as drive
    from dagwell.engine.detached import start_scheduled

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints where it is
    if not scheduled and not run_ref:
        _fail("orchestrate needs RUN (or --scheduled).")
    code = start_scheduled() if scheduled else drive(str(run_ref))
    wait_for_deliveries(timeout=30.0)  # the pod ends with this process, its alerts too
    sys.exit(code)


@cli.group()
def schedules() -> None:
    """Pipelines that run by themselves (CronJobs on Kubernetes)."""


def _kube_options(fn: Any) -> Any:
    fn = click.option("--namespace", default="default", show_default=True)(fn)
    fn = click.option("--kubeconfig", default=None, help="Default: in-cluster, ~/.kube/config.")(fn)
    return click.option("--context", default=None)(fn)


def _kube_api(namespace: str, kubeconfig: str | None, context: str | None) -> Any:
    from dagwell.kubernetes.api import KubeApi

    return KubeApi(namespace=namespace, kubeconfig=kubeconfig, context=context)


@schedules.command("list")
@_kube_options
@click.option("--json", "as_json", is_flag=True)
def schedules_list(
    namespace: str, kubeconfig: str | None, context: str | None, as_json: bool
) -> None:
    """List dagwell's schedules (CronJobs) in a namespace."""
    from dagwell.kubernetes.detached import LABEL_ROLE, ROLE_ORCHESTRATOR
    from dagwell.kubernetes.schedules import describe_cronjob

    api = _kube_api(namespace, kubeconfig, context)
    try:
        rows = [describe_cronjob(c) for c in api.list_cronjobs({LABEL_ROLE: ROLE_ORCHESTRATOR})]
    finally:
        api.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo(f"No schedules in namespace {namespace}.")
    else:
        for row in rows:
            click.echo(
                f"{row['name']}  {row['cron']}  pipeline={row['pipeline']}  "
                f"last={row['last_scheduled'] or '-'}  active={row['active']}"
                + ("  (suspended)" if row["suspended"] else "")
            )


@schedules.command("delete")
@click.argument("name")
@_kube_options
def schedules_delete(
    name: str, namespace: str, kubeconfig: str | None, context: str | None
) -> None:
    """Delete a schedule (its CronJob); runs it started are kept."""
    from dagwell.kubernetes.api import KubeNotFound

    api = _kube_api(namespace, kubeconfig, context)
    try:
        api.delete_cronjob(name)
    except KubeNotFound:
        _fail(f"No schedule {name!r} in namespace {namespace} (see `dagwell schedules list`).")
    finally:
        api.close()
    click.echo(f"Schedule {name} deleted.")


def main() -> None:
    """Entry point: dagwell's own errors are one line that names the fix, not a traceback."""
    import faulthandler

    faulthandler.enable()  # a crash in native code still says where it happened
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:  # usage errors: exit 2
        error.show()
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):  # Ctrl-C: the shell's convention, 128 + SIGINT
        click.echo("interrupted", err=True)
        sys.exit(130)
    except DagwellError as error:
        _fail(str(error))
    except (FileExistsError, NotADirectoryError, PermissionError) as error:
        what = "permission denied" if isinstance(error, PermissionError) else error.strerror
        _fail(
            f"{error.filename}: {what}. Check DAGWELL_HOME (a directory this user can write; "
            "reading commands only need to read it)."
        )
