"""Every example in examples/ and every Python and CLI example in the README runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import wait_for

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def run(
    args: list[str],
    home: Path,
    cwd: Path = ROOT,
    timeout: float = 240,
    extra_env: dict[str, str] | None = None,
) -> str:
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    env.pop("DAGWELL_KUBECONFIG", None)
    env.update(extra_env or {})
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def test_seed_example(home, cgroups):
    out = run([sys.executable, "examples/seed.py"], home)
    assert out.startswith("completed: 10 steps")


@pytest.mark.kube
@pytest.mark.timeout(300)
def test_seed_kubernetes_example(home, cgroups, kube):
    """The example as a user with a cluster runs it (DAGWELL_KUBECONFIG), on this worker's
    real control plane (v1.20.2): one 1400 MB node, ten pods of 400 MB. (Without a
    kubeconfig the example starts a plane of its own and runs the same on it: what the
    ``kube`` fixture gives here; starting a third plane on 2 cores cost ~40 s under load.)"""
    cluster = kube(nodes={"node-a": "1400MB"})
    out = run(
        [sys.executable, "examples/seed_kubernetes.py"],
        home,
        extra_env={
            "DAGWELL_KUBECONFIG": cluster.kubeconfig,
            "DAGWELL_KUBERNETES_NAMESPACE": cluster.namespace,
            "DAGWELL_KUBERNETES_IMAGE": "local",
        },
    )
    assert f"namespace {cluster.namespace}" in out
    assert "completed: 10 steps" in out, out
    pods = [p["metadata"]["name"] for p in cluster.proxy.created]
    assert len(pods) >= 10 and all(name.startswith("dw-") for name in pods)
    wait_for(lambda: not cluster.pods(), 15, "the example's pods to be gone")  # recorded, deleted


def test_seed_kubernetes_example_without_a_cluster_says_how_to_get_one(home, tmp_path):
    """No kubeconfig and no binaries: no fake stands in; the example says what to do."""
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_K8S_CACHE": str(tmp_path / "none")}
    env.pop("DAGWELL_KUBECONFIG", None)
    result = subprocess.run(
        [sys.executable, "examples/seed_kubernetes.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and not result.stdout
    assert "make k8s-binaries" in result.stderr and "DAGWELL_KUBECONFIG" in result.stderr


def test_ml_pipeline_example_and_its_cache(home):
    first = run([sys.executable, "examples/ml_pipeline.py"], home)
    assert "accuracy: " in first and "'train': 'completed'" in first
    second = run([sys.executable, "examples/ml_pipeline.py"], home)
    assert "'load_data': 'cached'" in second and "'evaluate': 'cached'" in second
    third = run([sys.executable, "examples/ml_pipeline.py", "0.3"], home)
    assert "'split': 'cached'" in third and "'train': 'completed'" in third


def test_hyperparameter_search_example(home):
    out = run([sys.executable, "examples/hyperparameter_search.py"], home)
    assert "best: depth=" in out and "completed: 5 steps" in out


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_readme_python_blocks(home, tmp_path, index, cgroups):
    script = tmp_path / f"readme_{index}.py"
    script.write_text(blocks("python")[index])
    out = run([sys.executable, str(script)], home, cwd=tmp_path)
    assert out.strip()


def test_readme_cli_examples(home):
    commands = [
        line.split("#")[0].strip()
        for block in blocks("sh")
        for line in block.splitlines()
        if line.startswith("dagwell ")
    ]
    assert any(c.startswith("dagwell run ") for c in commands)
    dagwell = [sys.executable, "-m", "dagwell"]
    ordered = sorted(commands, key=lambda c: not c.startswith("dagwell run "))  # runs first
    for command in ordered:
        args = command.split()[1:]
        if "RUN" in args:
            args = [a if a != "RUN" else "latest" for a in args]
        if args[:2] == ["runs", "resume"]:
            env = {**os.environ, "DAGWELL_HOME": str(home)}
            result = subprocess.run(
                dagwell + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 2 and "already ended" in result.stderr
            continue
        run(dagwell + args, home)
