"""The body of one attempt, in whatever process runs it (forked child, spawned worker, pod).

It loads the inputs from the artifact store, calls the step function, stores each output,
and writes the result manifest last. It never touches the run store. The exit code says
ok (0), step error (1), setup error (2); the manifest says why. If the process is killed
(OOM, SIGKILL) there is no manifest, and the runtime's own evidence tells the story.

Run as ``python -m dagwell.runtimes.worker SPEC.json`` by the local runtime's spawn mode.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import io
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NoReturn

from dagwell.artifact_store import custom, scratch
from dagwell.artifact_store.registry import (
    RegistryLoader,
    input_artifact_name,
    model_artifact_input,
    needs_publishing,
    publish_outputs,
    record_saved,
)
from dagwell.artifact_store.store import WRITER_ENV, ArtifactStore, open_artifact_store
from dagwell.core.context import StepInfo, in_step
from dagwell.core.errors import ArtifactError, ConfigError
from dagwell.core.exception_state import encode_state
from dagwell.core.failures import FailureKind
from dagwell.core.manifest import TRACEBACK_MAX, ArtifactRef, ResultManifest, clip
from dagwell.core.records import UnmaterializedArtifact
from dagwell.core.step_types import (
    check_no_output,
    check_outputs,
    coerce_arguments,
    output_types,
)
from dagwell.runtimes.attempt_scratch import writer_name
from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.failure_text import Rendered, render
from dagwell.runtimes.lifecycle_hooks import around_the_step
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.self_kill import witnessed
from dagwell.runtimes.steady_clock import steady_time
from dagwell.runtimes.step_environment import step_environment

EXIT_OK, EXIT_STEP_ERROR, EXIT_SETUP_ERROR = 0, 1, 2
#: The result could not be written because the disk is full (sysexits' EX_IOERR): with
#: nothing written, not even the log, the exit code is the only evidence that survives.
EXIT_NO_SPACE = 74
_FULL = (errno.ENOSPC, errno.EDQUOT)


def _print_traceback(rendered: Rendered) -> None:
    """An exception's traceback on stderr, for the attempt's log; a step that closed or
    broke its stderr must not lose its result (the manifest is written after this)."""
    with contextlib.suppress(Exception):
        sys.stderr.write(rendered.traceback)
        sys.stderr.flush()


def _disk_full(error: BaseException | None) -> bool:
    """Whether ``error``, or one it was raised while handling, is a full disk or quota."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in _FULL:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


ATTEMPT_ENV = "DAGWELL_ATTEMPT"
PARENT_ENV = "DAGWELL_PARENT_PID"  # a spawned worker dies with the orchestrator that spawned it

#: What the step got, returned or raised, kept referenced in an attempt's own process until
#: it ends (with os._exit: nothing is finalized). Freed when run_attempt returned, a value's
#: ``__del__`` that blocks (joins a thread, waits on a socket) ran after the manifest said
#: ok: the attempt hung with its work done, forever or until its timeout failed it.
_KEPT: list[Any] = []


def _keep(*values: Any) -> None:
    if os.environ.get(ATTEMPT_ENV):  # (in the orchestrator's own thread they are let go)
        _KEPT.extend(values)


def attempt_env(spec: AttemptSpec) -> dict[str, str]:
    """What an attempt process knows about itself, for the step's own use (and logs), and
    where its leftovers go: its writer name in the store and its own TMPDIR (see
    :mod:`attempt_scratch`)."""
    env = {
        ATTEMPT_ENV: "1",
        "DAGWELL_RUN_ID": spec.run_id,
        "DAGWELL_STEP_ID": spec.step_id,
        "DAGWELL_ATTEMPT_NUMBER": str(spec.attempt),
        WRITER_ENV: writer_name(spec.run_id, spec.step_id, spec.attempt),
    }
    if spec.scratch is not None:
        env["TMPDIR"] = spec.scratch
    return env


def _error(
    kind: FailureKind, error: BaseException, started: float, rendered: Rendered | None = None
) -> ResultManifest:
    rendered = rendered or render(error)
    return ResultManifest(
        ok=False,
        error_kind=kind.value,
        error_type=type(error).__name__,
        error_message=rendered.message,
        traceback=clip(rendered.traceback, TRACEBACK_MAX, keep_tail=True),
        started_at=started,
        ended_at=steady_time(),
    )


def _split_outputs(spec: AttemptSpec, result: Any) -> dict[str, Any]:
    names = spec.outputs
    if not names:
        return {}
    if len(names) == 1:
        return {names[0]: result}
    if not isinstance(result, tuple | list) or len(result) != len(names):
        got = (
            f"a {type(result).__name__}"
            if not isinstance(result, tuple | list)
            else f"{len(result)} values"
        )
        raise TypeError(
            f"Step {spec.step_name!r} declares {len(names)} outputs ({', '.join(names)}) but "
            f"returned {got}; return a tuple with one value per output."
        )
    return dict(zip(names, result, strict=True))


def unmaterialized_inputs(func: Callable[..., Any]) -> set[str]:
    """The parameters annotated ``UnmaterializedArtifact`` (passed unloaded, as in ZenML)."""
    annotations = getattr(inspect.unwrap(func), "__annotations__", {})
    return {
        name
        for name, hint in annotations.items()
        if hint is UnmaterializedArtifact
        or (isinstance(hint, str) and hint.rsplit(".", 1)[-1] == "UnmaterializedArtifact")
    }


def run_attempt(spec: AttemptSpec, func: Callable[..., Any] | None = None) -> int:
    """Execute one attempt; write its manifest; return the process exit code
    (``EXIT_NO_SPACE`` when a full disk kept its result from being written)."""
    try:
        # (the folders its loaded inputs live in go when it ends; ZenML's environment= is
        # set while it runs)
        with scratch.scope(), step_environment(spec.context):
            return _run_attempt(spec, func)
    except Exception as error:  # (an OSError, or the store's error raised from one)
        if not _disk_full(error):
            raise
        _print_traceback(render(error))
        return EXIT_NO_SPACE


def _stop_goes_on(error: BaseException) -> None:
    """In the orchestrator's own thread (``isolation="inprocess"``), a Ctrl-C or a stop
    signal (SIGTERM, SIGHUP) lands in the step, but it is the run's stop, not the step's
    failure: once the attempt's result is written, it goes on to the engine, which stops
    the run (before, the step failed with 'KeyboardInterrupt' and the run went on). In an
    attempt's own process it is the step's, like any exception."""
    if isinstance(error, KeyboardInterrupt) and not os.environ.get(ATTEMPT_ENV):
        raise error


def _plain_class(kind: Any) -> Any:
    """An output annotation's class, None for what is not one (``Union[...]``, ``Any``)."""
    return kind if isinstance(kind, type) else None


def _own_kills_noted(
    spec: AttemptSpec, store: ArtifactStore, started: float, info: StepInfo
) -> contextlib.AbstractContextManager[None]:
    """In an attempt's own process, a signal the step sends itself is its own failure,
    written as its result before it dies (see self_kill); in the orchestrator's thread
    (``isolation="inprocess"``) exit_guard makes such a call raise instead."""
    if not os.environ.get(ATTEMPT_ENV):
        return contextlib.nullcontext()

    def note(message: str, error_type: str) -> None:
        store.write_manifest(
            spec.manifest_key,
            ResultManifest(
                ok=False,
                error_kind=FailureKind.USER_ERROR.value,
                error_type=error_type,
                error_message=message,
                started_at=started,
                ended_at=steady_time(),
                tag_changes=info.tag_changes,  # (recorded whatever the attempt's outcome)
            ),
        )

    return witnessed(note)


def _step_info(spec: AttemptSpec, inputs: dict[str, ArtifactRef]) -> StepInfo:
    return StepInfo(
        run_id=spec.run_id,
        step_id=spec.step_id,
        step_name=spec.step_name,
        attempt=spec.attempt,
        params=dict(spec.params),
        outputs=spec.outputs,
        artifact_store=spec.artifact_store,
        context=dict(spec.context or {}),
        inputs=inputs,
    )


def _run_attempt(spec: AttemptSpec, func: Callable[..., Any] | None) -> int:
    started = steady_time()
    store = open_artifact_store(spec.artifact_store)
    loading: str | None = None
    inputs = dict(spec.inputs)
    # The step's context is there while its inputs load and its outputs are stored, not
    # only while it runs: a materializer's load/save may read get_step_context(), as in ZenML.
    info = _step_info(spec, inputs)
    try:
        if func is None:
            from dagwell.runtimes.locator import resolve_function

            func = resolve_function(spec.locator)
        info.output_classes = {
            n: _plain_class(t) for n, t in output_types(func, spec.outputs).items()
        }
        kwargs = dict(spec.params)
        unloaded = unmaterialized_inputs(func)
        for name, wanted in ((spec.context or {}).get("lazy_inputs") or {}).items():
            loading = name  # a model's artifact, looked up now as ZenML does
            inputs[name] = (
                ArtifactRef.from_json(wanted["ref"])  # found by the orchestrator
                if wanted.get("ref")
                else model_artifact_input(store, spec.context or {}, wanted)
            )
        for name, ref in inputs.items():
            loading = name
            if name not in unloaded:
                with in_step(info):
                    kwargs[name] = store.get(ref)
            else:
                loader = RegistryLoader(lambda: store)
                # ZenML: the artifact's name (and version), not the parameter's
                known, doc = input_artifact_name(store, spec.context or {}, name, ref)
                kwargs[name] = (
                    UnmaterializedArtifact(known, None, ref, ref.digest, _loader=loader)
                    if doc is None
                    else UnmaterializedArtifact.from_doc(doc, loader)
                )
        loading = None
        for name, count in ((spec.context or {}).get("input_lists") or {}).items():
            kwargs[name] = [kwargs.pop(f"{name}[{i}]") for i in range(count)]  # (see api.steps)
        kwargs = coerce_arguments(spec.step_id, func, kwargs, spec.params)  # as ZenML does
    except BaseException as error:
        # Whatever stops the inputs from loading (an import, a corrupt artifact, a value
        # whose unpickling raises) is the attempt's setup failing, with its own traceback;
        # running the same load again cannot cure it, so it is not retried by default.
        manifest = _error(FailureKind.CONFIG_ERROR, error, started)
        if loading is not None and not isinstance(error, ConfigError | ArtifactError):
            manifest = replace(
                manifest,
                error_message=f"loading input {loading!r} "
                f"({inputs[loading].type_name if loading in inputs else 'model artifact'}) "
                f"raised{': ' if manifest.error_message else ''}{manifest.error_message}",
            )
        store.write_manifest(spec.manifest_key, manifest)
        _stop_goes_on(error)
        return EXIT_SETUP_ERROR
    try:
        assert func is not None
        with in_step(info), _own_kills_noted(spec, store, started, info), around_the_step(info):
            result = func(**kwargs)
            if inspect.iscoroutine(result):
                import asyncio  # (only for async steps: the zygote stays lean)

                result = asyncio.run(result)
    except BaseException as error:  # SystemExit and KeyboardInterrupt end the step too
        rendered = render(error)
        _print_traceback(rendered)
        _keep(error, kwargs)  # (its traceback holds the step's frames, and their locals)
        manifest = _error(FailureKind.USER_ERROR, error, started, rendered)
        state = encode_state(error)
        manifest = replace(manifest, tag_changes=info.tag_changes, error_state=state)
        store.write_manifest(spec.manifest_key, manifest)
        _stop_goes_on(error)
        return EXIT_STEP_ERROR
    try:
        refs: dict[str, ArtifactRef] = {}
        warnings: list[str] = []
        chosen: dict[str, str] = info.context.get("materializers") or {}
        outputs = _split_outputs(spec, result)
        check_outputs(spec.step_id, func, outputs)
        if not spec.outputs:
            check_no_output(spec.step_id, func, result)
        for name, value in outputs.items():
            cls = custom.resolve(chosen[name]) if name in chosen else None
            with in_step(info):
                refs[name], notes = store.put(value, cls)
            warnings.extend(notes)
            extracted = custom.extracted_metadata(refs[name].materializer, value)
            if extracted:  # (what the step logged for this output wins)
                logged = info.output_metadata.get(name, {})
                info.output_metadata[name] = {**extracted, **logged}
        if needs_publishing(info, refs):
            publish_outputs(store, info, refs, datetime.now())
        if info.saved:
            record_saved(store, info)
    except Exception as error:
        if _disk_full(error):  # the store's disk, not the step: as a full one for the manifest
            raise
        rendered = render(error)
        _print_traceback(rendered)
        manifest = _error(FailureKind.USER_ERROR, error, started, rendered)
        store.write_manifest(spec.manifest_key, replace(manifest, tag_changes=info.tag_changes))
        return EXIT_STEP_ERROR
    for note in warnings:
        with contextlib.suppress(Exception):
            print(f"dagwell warning: {note}", file=sys.stderr)
    _keep(result, kwargs)
    store.write_manifest(
        spec.manifest_key,
        ResultManifest(
            ok=True,
            outputs=refs,
            started_at=started,
            ended_at=steady_time(),
            warnings=warnings,
            tag_changes=info.tag_changes,
        ),
    )
    return EXIT_OK


def rehearse(spec: AttemptSpec, func: Callable[..., Any] | None) -> None:
    """The parts of an attempt like ``spec`` that touch no file (store handle, signature,
    step context, manifest encoding), for a warm child to run while it waits: the pages
    they touch are the zygote's, and each first write copies one (see forked._rehearse)."""
    open_artifact_store(spec.artifact_store)
    if func is not None:
        unmaterialized_inputs(func)
        output_types(func, tuple(spec.outputs))
    info = _step_info(spec, dict(spec.inputs))
    with in_step(info):
        needs_publishing(info, {})
    json.dumps(ResultManifest(ok=True, outputs={}, started_at=0.0, ended_at=0.0).to_json())


def join_cgroups(procs_files: str) -> None:
    """Move this process into its attempt's cgroups before doing anything else."""
    pid = str(os.getpid()).encode()
    for path in filter(None, procs_files.split(os.pathsep)):
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, pid)
        finally:
            os.close(fd)


def prepare_process() -> None:
    """Send stdout/stderr to fds 1 and 2 (the attempt's log), line by line, so the log is
    complete up to the last line even if the process is killed. The parent may have
    replaced sys.stdout (pytest, Jupyter); the attempt writes to the real descriptors.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = getattr(sys, name)
        if isinstance(stream, io.TextIOWrapper) and _fileno(stream) == fd:
            stream.reconfigure(line_buffering=True)
        else:  # a replaced stream (pytest, Jupyter): write to the real descriptor
            real = open(fd, "w", buffering=1, closefd=False, errors="backslashreplace")  # noqa: SIM115
            setattr(sys, name, real)
    faulthandler = sys.modules.get("faulthandler")  # loaded whenever it is enabled
    if faulthandler is not None and faulthandler.is_enabled():
        # It writes to the descriptor it was enabled on (pytest's is a copy of the terminal's
        # stderr): a crashing step's Python traceback then missed its own log.
        faulthandler.enable(file=sys.stderr, all_threads=True)
    configure_logging()


def configure_logging() -> None:
    """A step's logging.info() goes to its log, with a timestamp (unless it set up its own)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def _fileno(stream: io.TextIOWrapper) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dagwell.runtimes.worker SPEC.json", file=sys.stderr)
        return EXIT_SETUP_ERROR
    parent = os.environ.pop(PARENT_ENV, "")
    if parent.isdigit():
        die_with_parent(signal.SIGKILL, int(parent))
    join_cgroups(os.environ.pop("DAGWELL_CGROUP_PROCS", ""))
    os.environ[ATTEMPT_ENV] = "1"
    prepare_process()
    with open(args[0]) as f:
        spec = AttemptSpec.from_json(json.load(f))
    os.environ.update(attempt_env(spec))
    return run_attempt(spec)


def end_attempt(code: int) -> NoReturn:
    """End an attempt's own process (a spawned worker, a step pod) with ``code``, as a forked
    one ends: its output and logs flushed, then ``os._exit``. The interpreter's shutdown would
    free what the step got, returned or raised (see ``_KEPT``) after the manifest said ok,
    and a ``__del__`` that blocks would hold the attempt until its timeout, or forever."""
    with contextlib.suppress(BaseException):
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    end_attempt(main())
