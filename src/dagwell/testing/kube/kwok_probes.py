"""The kwok-style kubelet's exec liveness probes, run as the real kubelet runs them.

Every ``periodSeconds`` the probe's command runs with the container's environment and
working directory (``python`` is this interpreter, as for containers); an exit other than
0, or no answer within ``timeoutSeconds``, is a failure, and ``failureThreshold`` failures
in a row kill the container: SIGTERM, SIGKILL after the pod's
``terminationGracePeriodSeconds`` (default 30). With ``restartPolicy: Never`` the pod then
ends ``Failed`` with the exit code of the kill (137 after SIGKILL), as on a real node. Only
``exec`` probes, the kind dagwell gives its orchestrator pod.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass
class Liveness:
    command: list[str]
    env: dict[str, str]
    cwd: str
    period: float
    timeout: float
    threshold: int
    grace: float
    next_at: float
    failures: int = 0

    @classmethod
    def of(cls, pod: Obj, env: dict[str, str], cwd: str, python: str) -> Liveness | None:
        """The liveness probe of ``pod``'s first container, None without an exec one."""
        container = (pod.get("spec") or {}).get("containers", [{}])[0]
        probe = container.get("livenessProbe") or {}
        command = list((probe.get("exec") or {}).get("command") or [])
        if not command:
            return None
        if command[0] == "python":
            command[0] = python
        grace = pod["spec"].get("terminationGracePeriodSeconds")
        return cls(
            command,
            env,
            cwd,
            period=float(probe.get("periodSeconds") or 10),
            timeout=float(probe.get("timeoutSeconds") or 1),
            threshold=int(probe.get("failureThreshold") or 3),
            grace=float(30 if grace is None else grace),
            next_at=time.monotonic() + float(probe.get("initialDelaySeconds") or 0),
        )

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def check(self) -> bool:
        """Run the probe once; True when the container is to be killed."""
        try:
            done = subprocess.run(
                self.command,
                env=self.env,
                cwd=self.cwd,
                timeout=self.timeout,
                capture_output=True,
                check=False,
            )
            ok = done.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
        self.next_at = time.monotonic() + self.period
        self.failures = 0 if ok else self.failures + 1
        return self.failures >= self.threshold
