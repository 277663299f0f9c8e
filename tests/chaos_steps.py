"""Steps for the chaos suite: each one misbehaves on the attempts its plan names.

A step reads its attempt number from DAGWELL_ATTEMPT_NUMBER, and writes every fault it
is about to commit to the ledger first, so the suite can count the faults that really
happened and check that each was recorded as what it was.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from dagwell import pipeline, step

MB = 10**6


def _number(name: str) -> int:
    """The step's number: ids are ``s<N>`` plus, sometimes, odd characters."""
    digits = name[1:]
    return int(digits[: len(digits) - len(digits.lstrip("0123456789"))])


def behave(cfg: dict[str, Any], name: str, value: int) -> int:
    attempt = int(os.environ["DAGWELL_ATTEMPT_NUMBER"])
    fault = cfg["faults"].get(name, {}).get(str(attempt))
    if fault:
        with open(Path(cfg["dir"]) / "ledger", "a") as f:
            f.write(f"{name} {attempt} {fault}\n")
    time.sleep(cfg["sleep"].get(name, 0.0))
    if fault == "raise":
        raise RuntimeError(f"chaos: {name} attempt {attempt} raises")
    if fault == "sigkill":  # from another process, as an outside kill comes (a step's own
        # os.kill of itself is its own failure: see dagwell.runtimes.self_kill)
        subprocess.run(["kill", "-KILL", str(os.getpid())], check=False)
        time.sleep(60)  # (SIGKILL lands as kill(1) returns)
    if fault == "exit":
        os._exit(3)
    if fault == "oom":
        hoard = []
        while True:  # past its own limit: the kernel ends this
            hoard.append(bytearray(10 * MB))
    if fault == "hang":
        time.sleep(600)  # only a timeout (or a stop) ends this
    return value


@step(enable_cache=False)
def node0(cfg: dict, name: str) -> int:
    return behave(cfg, name, _number(name))


@step(enable_cache=False)
def node1(cfg: dict, name: str, a: int) -> int:
    return behave(cfg, name, _number(name) + a)


@step(enable_cache=False)
def node2(cfg: dict, name: str, a: int, b: int) -> int:
    return behave(cfg, name, _number(name) + a + b)


NODES = (node0, node1, node2)


def build(plan: dict[str, Any]) -> Any:
    """A pipeline from a JSON plan: {"steps": [{"name", "ups", "retry", "memory", ...}]}."""
    from dagwell import ResourceSettings, StepRetryConfig

    @pipeline(
        enable_cache=False, name="chaos", on_failure=plan["mode"], infra_retries=plan["infra"]
    )
    def chaos(cfg: dict) -> None:
        outs: dict[str, Any] = {}
        for spec in plan["steps"]:
            options: dict[str, Any] = {"retry": StepRetryConfig(**spec["retry"])}
            if spec.get("memory"):
                options["resources"] = ResourceSettings(memory=spec["memory"])
            if spec.get("timeout"):
                options["timeout"] = spec["timeout"]
            fn = NODES[len(spec["ups"])].with_options(**options)
            outs[spec["name"]] = fn(
                cfg, spec["name"], *[outs[u] for u in spec["ups"]], id=spec["name"]
            )

    return chaos
