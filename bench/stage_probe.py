"""Stage budget of one local attempt: ready -> admitted -> forked -> cgroup joined ->
running -> exited -> evidence read -> recorded -> downstream ready.

Run with the dagwell repo's interpreter, its src on PYTHONPATH:

    PYTHONPATH=src DAGWELL_HOME=$(mktemp -d) \
        .venv/bin/python bench/stage_probe.py --shape chain --steps 300

It wraps dagwell's own functions (before the zygote forks, so the zygote and the attempt
children inherit the wrappers) and stamps CLOCK_MONOTONIC (comparable across processes)
per attempt into one O_APPEND file; then it prints the median of each stage gap. A stamp
costs a few microseconds (one write), noted in the total.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import time

STAMPS = tempfile.mktemp(prefix="dagwell-stamps-")
FD = os.open(STAMPS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


def stamp(key: str, event: str) -> None:
    os.write(FD, f"{key}\t{event}\t{time.monotonic_ns()}\n".encode())
    if event in ("c_start", "c_joined", "c_running", "c_ended"):
        os.write(
            FD, f"{key}\tF{event}\t{resource.getrusage(resource.RUSAGE_SELF).ru_minflt}\n".encode()
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="chain", choices=["chain", "fanout"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()

    import dagwell.store.store as store_mod
    from dagwell import LocalOrchestrator, pipeline, step
    from dagwell.engine import loop
    from dagwell.runtimes import forked, local, zygote

    def k(spec) -> str:
        return f"{spec.step_id}.{spec.attempt}"

    # -- orchestrator side ------------------------------------------------------------------
    orig_launch = loop.Engine._launch

    def launch(self, step_id, attempt, memory_limit, request):
        stamp(f"{step_id}.{attempt}", "o_launch")
        orig_launch(self, step_id, attempt, memory_limit, request)
        stamp(f"{step_id}.{attempt}", "o_launched")

    loop.Engine._launch = launch

    orig_rt_launch = local.LocalRuntime.launch

    def rt_launch(self, spec, func):
        node = self._node_group()
        if node is not None and not getattr(node, "_probed", False):
            orig_attempt = node.attempt

            def attempt(name, memory, cpu):
                stamp(name, "o_cg_mk")
                group = orig_attempt(name, memory, cpu)
                stamp(name, "o_cg_made")
                return group

            node.attempt = attempt
            node._probed = True
        return orig_rt_launch(self, spec, func)

    local.LocalRuntime.launch = rt_launch

    orig_finish = local.LocalRuntime._finish

    def finish(self, key, status, maxrss_kb, lost_why=None):
        name = f"{key[0]}.{key[1]}"
        stamp(name, "o_exit_seen")
        item = self.running[key]
        if item.group is not None and not getattr(item.group, "_probed", False):
            orig_ev = item.group.evidence

            def evidence(**kw):
                stamp(name, "o_ev_read")
                out = orig_ev(**kw)
                stamp(name, "o_ev_done")
                return out

            item.group.evidence = evidence
        out = orig_finish(self, key, status, maxrss_kb, lost_why)
        stamp(name, "o_finished")
        return out

    local.LocalRuntime._finish = finish

    orig_on_event = loop.Engine._on_event

    def on_event(self, event):
        orig_on_event(self, event)
        if isinstance(event, loop.AttemptExited):
            stamp(f"{event.step_id}.{event.attempt}", "o_event_done")

    loop.Engine._on_event = on_event

    orig_release = local.LocalRuntime.release

    def release(self, step_id, attempt):
        stamp(f"{step_id}.{attempt}", "o_release")
        orig_release(self, step_id, attempt)
        stamp(f"{step_id}.{attempt}", "o_released")

    local.LocalRuntime.release = release

    orig_write = store_mod.Store.write

    def write(self, ops, **kw):
        stamp("-", "o_write")
        out = orig_write(self, ops, **kw)
        stamp("-", "o_written")
        return out

    store_mod.Store.write = write

    orig_select = local.selectors.DefaultSelector.select

    def select(self, timeout=None):
        stamp(f"-{os.getpid()}", "o_select")
        out = orig_select(self, timeout)
        stamp(f"-{os.getpid()}", "o_selected")
        return out

    local.selectors.DefaultSelector.select = select

    # -- zygote and child side ----------------------------------------------------------------
    orig_zlaunch = zygote._launch

    def zlaunch(functions, request, *rest):
        name = f"{request['spec']['step_id']}.{request['spec']['attempt']}"
        stamp(name, "z_request")
        out = orig_zlaunch(functions, request, *rest)
        stamp(name, "z_forked")
        return out

    zygote._launch = zlaunch

    class OsProxy:
        def __getattr__(self, name: str):
            return getattr(os, name)

        @staticmethod
        def wait4(pid, options):
            out = os.wait4(pid, options)
            if out[0]:
                stamp(f"pid{out[0]}", "z_reaped")
            return out

    zygote.os = OsProxy()  # type: ignore[assignment]

    orig_detach = forked._detach

    def detach(*args):
        stamp(f"pid{os.getpid()}", "c_start")  # a child's first line (cold or warm)
        return orig_detach(*args)

    forked._detach = detach

    orig_join = forked.join_cgroups

    def join(procs):
        orig_join(procs)
        stamp(f"pid{os.getpid()}", "c_joined")

    forked.join_cgroups = join

    orig_read_line = forked._read_line

    def read_line(fd):  # a warm child: joined, now waiting for its spec
        stamp(f"pid{os.getpid()}", "c_joined")
        line = orig_read_line(fd)
        stamp(f"pid{os.getpid()}", "c_spec")
        return line

    forked._read_line = read_line

    orig_run_child = forked._run

    def run_child(spec, func, prepared):
        stamp(f"pid{os.getpid()}", "c_pid:" + k(spec))
        stamp(k(spec), "c_setup")
        return orig_run_child(spec, func, prepared)

    forked._run = run_child

    orig_run = forked.run_attempt

    def run_attempt(spec, func):
        stamp(k(spec), "c_running")
        code = orig_run(spec, func)
        stamp(k(spec), "c_ended")
        return code

    forked.run_attempt = run_attempt

    @step(enable_cache=False)
    def noop() -> None:
        return None

    @step(enable_cache=False)
    def passthrough(x: int) -> int:
        return x

    @pipeline(enable_cache=False, name=f"probe_{args.shape}")
    def fanout() -> None:
        for _ in range(args.steps):
            noop()

    @pipeline(enable_cache=False, name=f"probe_{args.shape}")
    def chain() -> None:
        x = passthrough(0)
        for _ in range(args.steps - 1):
            x = passthrough(x)

    chosen = fanout if args.shape == "fanout" else chain
    os.environ["DAGWELL_PROGRESS"] = "0"
    started = time.perf_counter()
    t0 = os.times()
    run = chosen.with_options(orchestrator=LocalOrchestrator(max_parallelism=args.parallelism))()
    wall = time.perf_counter() - started
    t1 = os.times()
    assert run.status.value == "completed"
    report(args, wall, t0, t1)


def report(args, wall, t0, t1) -> None:
    os.close(FD)
    per: dict[str, dict[str, int]] = collections.defaultdict(dict)
    pid_key: dict[str, str] = {}
    singles: list[tuple[int, str]] = []
    for line in open(STAMPS):
        key, event, t = line.rstrip("\n").split("\t")
        if key.startswith("-"):
            if key == "-" or key == f"-{os.getpid()}":
                singles.append((int(t), event))
            continue
        if event.startswith("c_pid:"):
            pid_key[key] = event.split(":", 1)[1]
            continue
        if key == "-" or key == f"-{os.getpid()}":
            singles.append((int(t), event))
            continue
        per[key].setdefault(event, int(t))
    for pid, name in pid_key.items():
        for event, t in per.pop(pid, {}).items():
            per[name].setdefault(event, t)
    os.unlink(STAMPS)
    # durations of the orchestrator's store writes and blocked selects
    singles.sort()
    spans: dict[str, list[int]] = collections.defaultdict(list)
    open_at: dict[str, int] = {}
    for t, event in singles:
        if event in ("o_write", "o_select"):
            open_at[event] = t
        else:
            begin = {"o_written": "o_write", "o_selected": "o_select"}[event]
            spans[begin].append(t - open_at.pop(begin))
    order = [
        ("o_launch", "o_cg_mk", "admitted -> cgroup mkdir (spec, log dir)"),
        ("o_cg_mk", "o_cg_made", "cgroup mkdir + limit write"),
        ("o_cg_made", "z_request", "request -> zygote (json, pipe)"),
        ("z_request", "c_start", "zygote: fork (child first instruction; cold)"),
        ("z_request", "z_forked", "zygote: fork returns in parent / spec sent"),
        ("c_start", "c_joined", "child: join cgroup (write procs)"),
        ("z_request", "c_spec", "warm child: spec received"),
        ("c_joined", "c_setup", "child: joined -> setup (cold)"),
        ("c_spec", "c_setup", "warm child: spec parsed"),
        ("c_setup", "c_running", "child: log fd, env"),
        ("c_running", "c_ended", "child: run_attempt (store, step, manifest)"),
        ("c_ended", "z_reaped", "child: exit + teardown -> zygote reaped"),
        ("c_ended", "o_exit_seen", "child ended -> orchestrator told (done pipe or report)"),
        ("z_reaped", "o_exit_seen", "exit report -> orchestrator"),
        ("o_exit_seen", "o_ev_read", "orchestrator: bookkeeping"),
        ("o_ev_read", "o_ev_done", "cgroup evidence read"),
        ("o_ev_done", "o_finished", "manifest read + classify"),
        ("o_finished", "o_event_done", "engine: outputs check, scheduler"),
        ("o_event_done", "o_release", "-> release (next turn)"),
        ("o_release", "o_released", "cgroup rmdir"),
        ("o_launch", "o_launched", "Engine._launch total"),
        ("o_launched", "z_request", "launch end -> zygote read request"),
        ("o_launch", "c_spec", "launch -> warm child has its spec"),
        ("o_launch", "o_event_done", "launch -> exit handled (one attempt)"),
    ]
    result: dict[str, object] = {
        "shape": args.shape,
        "steps": args.steps,
        "wall": wall,
        "per_step_wall_ms": wall / args.steps * 1000,
        "orchestrator_cpu_ms_per_step": ((t1.user - t0.user) + (t1.system - t0.system))
        / args.steps
        * 1000,
        "children_cpu_ms_per_step": (
            (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
        )
        / args.steps
        * 1000,
    }
    warm = [e for e in per.values() if "c_spec" in e]
    cold = [e for e in per.values() if "c_spec" not in e and "c_start" in e]
    result["attempts_warm_cold"] = [len(warm), len(cold)]
    for group, entries in (("warm", warm), ("cold", cold)):
        stages: dict[str, float] = {}
        for a, b, label in order:
            gaps = [e[b] - e[a] for e in entries if a in e and b in e]
            if gaps:
                stages[f"{label} [{a}->{b}]"] = round(statistics.median(gaps) / 1000, 1)
        result[f"stages_median_us ({group})"] = stages
    faults = {}
    for a, b in (
        ("Fc_start", "Fc_joined"),
        ("Fc_joined", "Fc_running"),
        ("Fc_running", "Fc_ended"),
    ):
        gaps = [e[b] - e[a] for e in per.values() if a in e and b in e]
        if gaps:
            faults[f"{a}->{b}"] = statistics.median(gaps)
    starts = [e["Fc_start"] for e in per.values() if "Fc_start" in e]
    if starts:
        faults["at child start (fork itself)"] = statistics.median(starts)
    result["child_minor_faults_median"] = faults
    if args.shape == "chain":
        launches = sorted(e["o_launch"] for e in per.values() if "o_launch" in e)
        gaps = [b - a for a, b in itertools.pairwise(launches)]
        result["launch_to_next_launch_median_us"] = round(statistics.median(gaps) / 1000, 1)
        ev_to_next = []
        done = sorted(e["o_event_done"] for e in per.values() if "o_event_done" in e)
        for d in done:
            nxt = [x for x in launches if x > d][:1]
            if nxt:
                ev_to_next.append(nxt[0] - d)
        if ev_to_next:
            result["exit handled -> next launch median_us"] = round(
                statistics.median(ev_to_next) / 1000, 1
            )
    for name, values in spans.items():
        result[f"{name} count"] = len(values)
        result[f"{name} median_us"] = round(statistics.median(values) / 1000, 1)
        result[f"{name} total_ms"] = round(sum(values) / 1e6, 1)
    print(json.dumps(result, indent=1))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
