"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-scheduler and
kube-controller-manager, the genuine upstream v1.20.2 binaries.

    from dagwell.testing.kube.control_plane import ControlPlane

    with ControlPlane(workdir) as plane:      # ~6-10 s on 2 cores
        plane.kubeconfig, plane.rest          # admin access (token, TLS)

The binaries are built once by ``make k8s-binaries`` (scripts/build-k8s-binaries.sh) into
``~/.cache/dagwell/k8s-v1.20.2/bin`` (``DAGWELL_K8S_CACHE`` overrides); etcd is Debian's
``etcd-server``. Each start generates its own PKI (EC keys: a CA, one serving certificate
for 127.0.0.1 used by the apiserver and the test kubelet, a service-account key) and a
random admin token (group ``system:masters``), and runs:

- etcd without fsync (a test store), on free loopback ports;
- kube-apiserver with TLS, token auth, RBAC, the ServiceAccount admission plugin off (no
  token controller runs), the endpoint reconciler off, and the watch cache off for pods so
  that a watch resumed from a compacted revision gets a real 410 (:meth:`compact`);
- kube-scheduler (the real binding, "Insufficient memory", priorities, preemption);
- kube-controller-manager with only the controllers that need no kubelet: resourcequota,
  namespace, garbagecollector, job, cronjob (node lifecycle is simulated by the kubelet).

Every process is started in its own session with ``PR_SET_PDEATHSIG`` (SIGKILL), so if the
test process dies, the kernel kills the control plane too: nothing is left behind, even on a
crash. :meth:`stop` kills by pid and removes the working directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from dagwell.testing.kube.rest import Rest

VERSION = "v1.20.2"
BINARIES = ("kube-apiserver", "kube-scheduler", "kube-controller-manager")
CONTROLLERS = ("resourcequota", "namespace", "garbagecollector", "job", "cronjob")
_PR_SET_PDEATHSIG = 1


class ControlPlaneUnavailable(RuntimeError):
    """The binaries are missing or a component did not come up; the message says why."""


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "dagwell" / f"k8s-{VERSION}"
    return Path(os.environ.get("DAGWELL_K8S_CACHE") or default)


def missing_binaries() -> str | None:
    """Why the control plane cannot start here, or None."""
    bin_dir = cache_dir() / "bin"
    missing = [b for b in BINARIES if not os.access(bin_dir / b, os.X_OK)]
    if missing:
        return (
            f"{', '.join(missing)} not built in {bin_dir}: run `make k8s-binaries` "
            "(builds Kubernetes from Debian's source package once, ~10 min; needs root for apt)"
        )
    for tool in ("etcd", "etcdctl", "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} not found: install Debian's etcd-server, etcd-client and openssl"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_OPENSSL_CNF = """[req]
distinguished_name = dn
[dn]
[serving]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default
"""


def make_pki(pki: Path) -> None:
    """CA, a serving certificate for 127.0.0.1 and a service-account key (EC P-256)."""
    pki.mkdir(parents=True, exist_ok=True)
    (pki / "openssl.cnf").write_text(_OPENSSL_CNF)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args: str) -> None:
        done = subprocess.run(
            ["openssl", *args], cwd=pki, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ControlPlaneUnavailable(f"openssl {args[0]} failed: {done.stderr.strip()}")

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
            "-subj", "/CN=dagwell-test-ca")  # fmt: skip
    openssl("req", *ec, "-keyout", "serving.key", "-out", "serving.csr",
            "-subj", "/CN=127.0.0.1", "-config", "openssl.cnf")  # fmt: skip
    openssl("x509", "-req", "-in", "serving.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "serving.crt", "-days", "30",
            "-extfile", "openssl.cnf", "-extensions", "serving")  # fmt: skip
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key")
    openssl("ec", "-in", "sa.key", "-pubout", "-out", "sa.pub")


def _end(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a rolling upgrade or a shutdown sends it; SIGKILL if not gone in 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@dataclass
class ControlPlane:
    workdir: Path
    controllers: tuple[str, ...] = CONTROLLERS
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    api_port: int = 0
    etcd_port: int = 0
    startup_seconds: float = 0.0

    @property
    def pki(self) -> Path:
        return self.workdir / "pki"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"

    @property
    def ca(self) -> str:
        return str(self.pki / "ca.crt")

    @property
    def kubeconfig(self) -> str:
        return str(self.workdir / "kubeconfig")

    @property
    def rest(self) -> Rest:
        return Rest(self.url, self.token, self.ca)

    def log(self, name: str) -> Path:
        return self.workdir / "logs" / f"{name}.log"

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> ControlPlane:
        why = missing_binaries()
        if why:
            raise ControlPlaneUnavailable(why)
        started = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        try:
            make_pki(self.pki)
            (self.pki / "tokens.csv").write_text(f"{self.token},admin,admin-uid,system:masters\n")
            self._start_etcd()
            self._start_apiserver()
            write_kubeconfig(self.kubeconfig, self.url, self.ca, self.token, "default")
            self._start_controllers()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with open(self.log(name), "ab") as log:
            process = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 (setsid + PDEATHSIG only)
                cwd=self.workdir,
            )
        self.processes[name] = process
        return process

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        process = self.processes[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ControlPlaneUnavailable(
                    f"{name} exited with {process.returncode}; its log: {self.log(name)}\n"
                    + self._tail(name)
                )
            if ready():
                return
            time.sleep(0.1)
        raise ControlPlaneUnavailable(
            f"{name} not ready after {timeout:.0f}s; its log: {self.log(name)}\n" + self._tail(name)
        )

    def _tail(self, name: str) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log(name).read_text(errors="replace").splitlines()[-15:])
        return ""

    def _start_etcd(self) -> None:
        self.etcd_port, peer = free_port(), free_port()
        client, peer_url = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{peer}"
        self._spawn(
            "etcd",
            [
                "etcd", "--name", "dagwell", "--data-dir", str(self.workdir / "etcd"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                "--initial-cluster", f"dagwell={peer_url}", "--unsafe-no-fsync",
                "--quota-backend-bytes", str(2 * 2**30), "--log-level", "warn",
            ],
        )  # fmt: skip

        def healthy() -> bool:
            with (
                contextlib.suppress(OSError, ValueError),
                urllib.request.urlopen(f"{client}/health", timeout=1) as answer,
            ):
                return b'"true"' in answer.read()
            return False

        self._wait("etcd", healthy, 30)

    def _start_apiserver(self) -> None:
        self.api_port = self.api_port or free_port()
        pki = self.pki
        self._spawn(
            "kube-apiserver",
            [
                str(cache_dir() / "bin" / "kube-apiserver"),
                "--etcd-servers", f"http://127.0.0.1:{self.etcd_port}",
                "--bind-address", "127.0.0.1", "--secure-port", str(self.api_port),
                "--insecure-port", "0", "--advertise-address", "127.0.0.1",
                "--tls-cert-file", str(pki / "serving.crt"),
                "--tls-private-key-file", str(pki / "serving.key"),
                "--client-ca-file", str(pki / "ca.crt"),
                "--token-auth-file", str(pki / "tokens.csv"),
                "--authorization-mode", "RBAC",
                "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file", str(pki / "sa.pub"),
                "--service-account-signing-key-file", str(pki / "sa.key"),
                "--service-cluster-ip-range", "10.0.0.0/24",
                "--endpoint-reconciler-type", "none",
                "--disable-admission-plugins", "ServiceAccount",
                "--watch-cache-sizes", "pods#0",
                "--kubelet-certificate-authority", str(pki / "ca.crt"),
                "--kubelet-client-certificate", str(pki / "serving.crt"),
                "--kubelet-client-key", str(pki / "serving.key"),
                "--kubelet-preferred-address-types", "InternalIP",
                "--cert-dir", str(self.workdir / "certs"), "--profiling=false",
            ],
        )  # fmt: skip
        context = ssl.create_default_context(cafile=self.ca)

        def ready() -> bool:
            request = urllib.request.Request(
                f"{self.url}/readyz", headers={"Authorization": f"Bearer {self.token}"}
            )
            with (
                contextlib.suppress(OSError, ValueError),
                urllib.request.urlopen(request, timeout=2, context=context) as answer,
            ):
                return bool(answer.status == 200)
            return False

        self._wait("kube-apiserver", ready, 90)

    def _start_controllers(self) -> None:
        bin_dir = cache_dir() / "bin"
        common = ["--kubeconfig", self.kubeconfig, "--leader-elect=false", "--port", "0"]
        self._spawn("kube-scheduler", [str(bin_dir / "kube-scheduler"), *common,
                                       "--secure-port", "0"])  # fmt: skip
        self._spawn(
            "kube-controller-manager",
            [
                str(bin_dir / "kube-controller-manager"), *common, "--secure-port", "0",
                "--controllers", ",".join(self.controllers),
                "--resource-quota-sync-period", "5s", "--concurrent-gc-syncs", "5",
            ],
        )  # fmt: skip
        # The controller manager is ready when its quota controller has synced; the scheduler
        # logs nothing at this verbosity: it must at least stay up (bad flags end it at once).
        self._wait("kube-controller-manager", self._quota_synced, 60)
        self._wait("kube-scheduler", lambda: True, 1)

    def _quota_synced(self) -> bool:
        return self._log_says("kube-controller-manager", "Caches are synced for resource quota")

    def _log_says(self, name: str, text: str) -> bool:
        with contextlib.suppress(OSError):
            return text in self.log(name).read_text(errors="replace")
        return False

    def stop(self) -> None:
        for name in ("kube-controller-manager", "kube-scheduler", "kube-apiserver", "etcd"):
            process = self.processes.pop(name, None)
            if process is not None and process.poll() is None:
                _end(process)
        shutil.rmtree(self.workdir / "etcd", ignore_errors=True)

    # -- what a test can do ----------------------------------------------------------------
    def restart_apiserver(self, down_for: Callable[[], None] | None = None) -> None:
        """Stop kube-apiserver (SIGTERM, as a rolling upgrade does; SIGKILL if it is not
        gone in 10 s), call ``down_for`` while it is down, and start it again on the same
        port, with the same etcd: every client's connections and watches break, and must
        resume. Call it from the thread that started the plane: the new process dies with
        the thread that spawned it (PR_SET_PDEATHSIG)."""
        _end(self.processes.pop("kube-apiserver"))
        if down_for is not None:
            down_for()
        self._start_apiserver()

    def compact(self) -> int:
        """Compact etcd at its newest revision: watches resumed from before it get 410."""
        endpoint = f"127.0.0.1:{self.etcd_port}"
        status = subprocess.run(
            ["etcdctl", "--endpoints", endpoint, "endpoint", "status", "-w", "json"],
            capture_output=True, text=True, check=True, env={**os.environ, "ETCDCTL_API": "3"},
        )  # fmt: skip
        revision = int(json.loads(status.stdout)[0]["Status"]["header"]["revision"])
        subprocess.run(
            ["etcdctl", "--endpoints", endpoint, "compact", str(revision)],
            capture_output=True, text=True, check=True, env={**os.environ, "ETCDCTL_API": "3"},
        )  # fmt: skip
        return revision

    def leftovers(self) -> list[str]:
        """Pods (in any namespace), finalizers and nodes still there: none after a suite."""
        pods = self.rest.get("/api/v1/pods").get("items") or []
        nodes = self.rest.get("/api/v1/nodes").get("items") or []
        return [
            f"pod {p['metadata']['namespace']}/{p['metadata']['name']}"
            + (
                f" (finalizers {p['metadata']['finalizers']})"
                if p["metadata"].get("finalizers")
                else ""
            )
            for p in pods
        ] + [f"node {n['metadata']['name']}" for n in nodes]

    def version(self) -> str:
        return str(self.rest.get("/version").get("gitVersion"))

    def etcd_version(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.etcd_port}/version", timeout=5) as r:
            return str(json.loads(r.read()).get("etcdserver"))

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def write_kubeconfig(
    path: str, url: str, ca: str | None, token: str | None, namespace: str
) -> None:
    """A kubeconfig (JSON is YAML) for ``url``; lightkube and kubectl read it."""
    cluster: dict[str, str] = {"server": url}
    if ca:
        cluster["certificate-authority"] = ca
    user = {"token": token} if token else {}
    Path(path).write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "dagwell-test",
                "clusters": [{"name": "dagwell-test", "cluster": cluster}],
                "users": [{"name": "admin", "user": user}],
                "contexts": [
                    {
                        "name": "dagwell-test",
                        "context": {
                            "cluster": "dagwell-test",
                            "user": "admin",
                            "namespace": namespace,
                        },
                    }
                ],
            },
            indent=1,
        )
    )
