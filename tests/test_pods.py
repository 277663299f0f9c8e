"""Pod manifests built from attempts: names, labels, resources, settings. Pure."""

import json
import re

import pytest

from dagwell import ResourceSettings
from dagwell.core.errors import ConfigError
from dagwell.core.plan import Locator
from dagwell.kubernetes import PodSettings
from dagwell.kubernetes.pods import (
    FINALIZER,
    LABEL_ATTEMPT,
    LABEL_RUN,
    attempt_of,
    build_pod,
    label_value,
    pod_name,
)
from dagwell.runtimes.base import AttemptSpec

DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def spec(step_id="train_2", memory=None, request=0, cpu=None, gpu=None, pod=None, attempt=3):
    return AttemptSpec(
        "abc123def456",
        step_id,
        "train",
        attempt,
        Locator("m", "train"),
        {},
        {},
        ("output",),
        "s3://bucket/x",
        "attempts/k.json",
        memory,
        request,
        cpu,
        gpu,
        pod,
    )


@pytest.mark.parametrize("step_id", ["train_2", "A" * 200, "weird.Name/with:chars", "-x-"])
def test_pod_names_are_valid_and_unique(step_id):
    name = pod_name("abc123def456", step_id, 12, "f00d1")
    assert len(name) <= 63 and DNS.match(name)
    assert name != pod_name("abc123def456", step_id + "x", 12, "f00d1")
    assert name != pod_name("abc123def456", step_id, 13, "f00d1")


def test_pod_names_of_steps_that_differ_only_in_punctuation_or_case_differ():
    """Regression: a.b, a_b and A-B all became ...-a-b-1-...; the second step's create got
    409, taken for its own pod, and the step lost its first attempt."""
    names = {pod_name("abc123def456", s, 1, "f00d1") for s in ("a.b", "a_b", "A-B", "a-b")}
    assert len(names) == 4


def test_tiny_cpu_requests_round_up_to_one_millicore():
    """Regression: cpu_count=0.0001 became a request of 0m (no request at all)."""
    pod = build_pod(spec(cpu=0.0001), namespace="ml", image="i", incarnation="abcde")
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "1m"
    pod = build_pod(spec(cpu=0.0015), namespace="ml", image="i", incarnation="abcde")
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "2m"
    with pytest.raises(ConfigError, match="cpu_count"):
        ResourceSettings(cpu_count=0)


def test_label_values():
    assert label_value("train_2") == "train_2"
    long = label_value("x" * 100)
    assert len(long) <= 63 and re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", long)


def test_declared_memory_is_request_and_limit():
    pod = build_pod(
        spec(memory=512 * 2**20, cpu=1.5, gpu=1), namespace="ml", image="img:1", incarnation="abcde"
    )
    container = pod["spec"]["containers"][0]
    assert container["resources"] == {
        "requests": {"memory": "512Mi", "cpu": "1500m"},
        "limits": {"memory": "512Mi", "nvidia.com/gpu": "1"},
    }
    assert pod["spec"]["restartPolicy"] == "Never"
    assert pod["metadata"]["finalizers"] == [FINALIZER]
    assert pod["metadata"]["labels"][LABEL_RUN] == "abc123def456"
    assert pod["metadata"]["labels"][LABEL_ATTEMPT] == "3"
    assert attempt_of(pod) == ("train_2", 3)
    assert container["command"][:4] == ["python", "-m", "dagwell", "attempt"]
    assert json.loads(container["command"][4])["step_id"] == "train_2"
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["DAGWELL_ATTEMPT_NUMBER"] == "3" and env["DAGWELL_RUN_ID"] == "abc123def456"
    assert container["securityContext"]["runAsNonRoot"] is True


def test_undeclared_memory_is_requested_at_the_estimate_and_unlimited():
    pod = build_pod(spec(request=256 * 2**20), namespace="ml", image="img", incarnation="a")
    assert pod["spec"]["containers"][0]["resources"] == {"requests": {"memory": "256Mi"}}


def test_pod_settings_defaults_and_step_overrides():
    defaults = PodSettings(
        node_selector={"pool": "cpu"},
        service_account_name="runner",
        env={"A": "1"},
        labels={"team": "ml"},
    ).model_dump(exclude_none=True)
    step = PodSettings(
        node_selector={"pool": "gpu"},
        image="gpu-img:2",
        tolerations=[{"key": "gpu", "operator": "Exists"}],
        image_pull_secrets=["regcred"],
        annotations={"a": "b"},
        security_context={"runAsUser": 0},
    ).model_dump(exclude_none=True)
    pod = build_pod(
        spec(pod=step), namespace="ml", image="default-img", incarnation="a", defaults=defaults
    )
    pod_spec, container = pod["spec"], pod["spec"]["containers"][0]
    assert pod_spec["nodeSelector"] == {"pool": "gpu"}
    assert pod_spec["serviceAccountName"] == "runner"
    assert pod_spec["tolerations"] == [{"key": "gpu", "operator": "Exists"}]
    assert pod_spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert container["image"] == "gpu-img:2"
    assert container["securityContext"] == {"runAsUser": 0}
    assert {"name": "A", "value": "1"} in container["env"]
    assert pod["metadata"]["labels"]["team"] == "ml"
    assert pod["metadata"]["annotations"]["a"] == "b"


def test_pod_settings_validate_at_definition_time():
    with pytest.raises(ConfigError, match="unknown field 'node_selektor'"):
        PodSettings(node_selektor={})
    with pytest.raises(ConfigError, match="PodSettings"):
        PodSettings.coerce(42)


def test_pod_settings_are_checked_against_the_pod_schema_at_definition():
    """Regression: a bad toleration or an unknown nested field was only refused by the API
    server when the pod was created (422), mid-run."""
    with pytest.raises(ConfigError, match=r"tolerations\[0\]\.keyy is not a field"):
        PodSettings(tolerations=[{"keyy": "gpu", "operator": "Exists"}])
    with pytest.raises(ConfigError, match=r"tolerations\[1\] is not a valid Toleration"):
        PodSettings(tolerations=[{"key": "a"}, {"key": 1}])
    with pytest.raises(ConfigError, match=r"security_context\.runAsUserr"):
        PodSettings(security_context={"runAsUserr": 0})
    with pytest.raises(ConfigError, match="volumes"):
        PodSettings(volumes={"name": "data"})
    ok = PodSettings(tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}])
    assert ok.tolerations == [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_kubernetes_orchestrator_validates_its_options():
    from dagwell import KubernetesOrchestrator

    with pytest.raises(ConfigError, match="needs image="):
        KubernetesOrchestrator()
    with pytest.raises(ConfigError, match="namespace"):
        KubernetesOrchestrator(image="x", namespace="Bad_NS")
    with pytest.raises(ConfigError, match="memory_budget"):
        KubernetesOrchestrator(image="x", memory_budget="lots")
    again = KubernetesOrchestrator.from_description(
        KubernetesOrchestrator(image="x", pod_settings={"env": {"A": "1"}}).describe()
    )
    assert again.image == "x" and again.pod_settings.env == {"A": "1"}


def test_the_orchestrator_pod_s_liveness_probe_fails_only_on_a_stale_heartbeat(tmp_path):
    """The probe the Job gives the orchestrator container, run for real: a fresh heartbeat
    file passes, one older than the limit fails, none yet (starting up) passes; and
    ``orchestrator_stuck_after=None`` gives no probe at all."""
    import os
    import subprocess
    import sys
    import time

    from dagwell import KubernetesOrchestrator
    from dagwell.kubernetes.detached import ALIVE_FILE, build_job

    def container(**options):
        k8s = KubernetesOrchestrator(image="img", python=sys.executable, **options)
        return build_job(k8s, "r1")["spec"]["template"]["spec"]["containers"][0]

    assert "livenessProbe" not in container(orchestrator_stuck_after=None)
    probe = container(orchestrator_stuck_after=30)["livenessProbe"]
    assert (probe["periodSeconds"], probe["failureThreshold"]) == (10, 2)
    home = tmp_path / "home"
    env = {**os.environ, "DAGWELL_HOME": str(home)}

    def passes():
        return subprocess.run(probe["exec"]["command"], env=env, check=False).returncode == 0

    assert passes(), "no heartbeat yet: still starting"
    home.mkdir()
    (home / ALIVE_FILE).touch()
    assert passes()
    old = time.time() - 31
    os.utime(home / ALIVE_FILE, (old, old))
    assert not passes()
