"""What keeps a scheduled pod from starting, read from its events (kubernetes/never_started
``stuck_on``): only the absence of an object its volumes name, as the kubelet's latest
word, is the pod's configuration (config_error at once). The events are shaped as the
kubelet records them (reason, type, message, lastTimestamp, source)."""

from __future__ import annotations

from dagwell.kubernetes.never_started import stuck_on


def _event(reason: str, message: str, at: str, kind: str = "Warning") -> dict[str, object]:
    return {
        "reason": reason,
        "type": kind,
        "message": message,
        "count": 1,
        "lastTimestamp": f"2026-12-08T00:00:{at}Z",
        "source": {"component": "kubelet", "host": "node-a"},
    }


SCHEDULED = _event("Scheduled", "Successfully assigned ml/p-train-1 to node-a", "00", "Normal")
MISSING_SECRET = 'MountVolume.SetUp failed for volume "creds" : secret "missing-creds" not found'


def test_a_missing_secret_is_what_keeps_it():
    missing, newest = stuck_on([SCHEDULED, _event("FailedMount", MISSING_SECRET, "02")])
    assert missing is not None and missing is newest


def test_a_csi_driver_not_yet_registered_is_a_moments_wait():
    """Before: "not found" anywhere in a FailedMount was taken for a missing object, and a
    CSI driver still registering on a fresh node failed the step for good."""
    csi = (
        'MountVolume.MountDevice failed for volume "pvc-1" : kubernetes.io/csi: attacher.'
        "MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not "
        "found in the list of registered CSI drivers"
    )
    missing, newest = stuck_on([SCHEDULED, _event("FailedMount", csi, "02")])
    assert missing is None and newest is not None and newest["reason"] == "FailedMount"


def test_a_mount_that_failed_once_then_worked_is_not_held_against_it():
    """Before: a FailedMount of the namespace's kube-root-ca.crt (published a moment after
    the namespace was made) anywhere in the pod's history ended it config_error, though
    the kubelet had since gone on to pull its image."""
    early = _event(
        "FailedMount",
        'MountVolume.SetUp failed for volume "kube-api-access-x" : configmap '
        '"kube-root-ca.crt" not found',
        "01",
    )
    pulling = _event("Pulling", 'Pulling image "registry.example.com/pipelines:1"', "03", "Normal")
    assert stuck_on([SCHEDULED, early, pulling])[0] is None
    assert stuck_on([SCHEDULED, early])[0] is None  # (that one is only ever late)
    late_secret = _event("FailedMount", MISSING_SECRET, "01")
    assert stuck_on([SCHEDULED, late_secret, pulling])[0] is None
