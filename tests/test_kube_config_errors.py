"""No usable Kubernetes configuration is one error naming what is missing and the fix, from a
pipeline call and from the CLI, not lightkube's traceback (a kubeconfig that does not exist,
one that is no kubeconfig, a context it does not have)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagwell.core.errors import ConfigError
from dagwell.kubernetes.api import KubeApi

ONE_CONTEXT = """\
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: here
  context: {cluster: c, user: u}
current-context: here
"""


@pytest.fixture
def no_kube_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME without ~/.kube, no KUBECONFIG, not inside a cluster."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return tmp_path


def test_no_kubeconfig_and_no_cluster_names_both_and_the_fix(no_kube_anywhere: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default")
    said = str(caught.value)
    assert "~/.kube/config" in said and "kubeconfig=" in said and "KUBECONFIG" in said, said


def test_a_kubeconfig_that_is_not_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\n")
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default", kubeconfig=str(path))
    assert str(path) in str(caught.value) and "not a kubeconfig" in str(caught.value)


def test_a_context_the_kubeconfig_lacks_is_named_with_those_it_has(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(ONE_CONTEXT)
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default", kubeconfig=str(path), context="prod")
    said = str(caught.value)
    assert "'prod'" in said and "here" in said and str(path) in said, said
    KubeApi(namespace="default", kubeconfig=str(path), context="here").close()


def test_a_pipeline_call_without_kubeconfig_fails_in_one_line(no_kube_anywhere: Path) -> None:
    script = no_kube_anywhere / "k.py"
    script.write_text(
        "from dagwell import KubernetesOrchestrator, pipeline, step\n"
        "@step\ndef s() -> int:\n    return 1\n"
        "@pipeline(orchestrator=KubernetesOrchestrator(namespace='x', image='python:3.11'))\n"
        "def p() -> None:\n    s()\n"
    )
    env = {**os.environ, "DAGWELL_HOME": str(no_kube_anywhere / "home")}
    for command in (
        [sys.executable, "-m", "dagwell", "run", f"{script}:p"],
        [sys.executable, "-m", "dagwell", "schedules", "list"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("error: No usable Kubernetes configuration"), done.stderr


def test_a_context_naming_a_cluster_the_file_lacks_is_named(tmp_path: Path) -> None:
    """Before: lightkube's KeyError: 'prod-cluster', a traceback."""
    path = tmp_path / "config"
    path.write_text(
        ONE_CONTEXT.replace("{cluster: c, user: u}", "{cluster: prod-cluster, user: u}")
    )
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default", kubeconfig=str(path))
    said = str(caught.value)
    assert "'here'" in said and "prod-cluster" in said and str(path) in said, said


def test_a_stale_current_context_is_named_as_such(tmp_path: Path) -> None:
    """Before: 'no current-context is set' for a current-context naming no context."""
    path = tmp_path / "config"
    path.write_text(ONE_CONTEXT.replace("current-context: here", "current-context: gone"))
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default", kubeconfig=str(path))
    said = str(caught.value)
    assert "current-context 'gone'" in said and "here" in said, said


def test_a_certificate_file_that_is_missing_is_named(tmp_path: Path) -> None:
    """Before: FileNotFoundError from lightkube's client, a traceback."""
    path = tmp_path / "config"
    missing = tmp_path / "nowhere" / "ca.crt"
    path.write_text(
        ONE_CONTEXT.replace(
            '{server: "https://127.0.0.1:1"}',
            f'{{server: "https://127.0.0.1:1", certificate-authority: "{missing}"}}',
        )
    )
    with pytest.raises(ConfigError) as caught:
        KubeApi(namespace="default", kubeconfig=str(path))
    said = str(caught.value)
    assert str(missing) in said and str(path) in said, said
