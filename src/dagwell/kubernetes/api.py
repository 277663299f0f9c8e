"""The Kubernetes API, the only module in dagwell that imports a Kubernetes client.

lightkube was chosen with numbers, measured on this kind of machine (fresh virtual
environments, Python 3.11): it imports in 0.09 s and takes 23 MB installed, its models and
HTTP client included; the official ``kubernetes`` client imports in 0.14 s and takes 171 MB.
It is also typed. Everything above this module sees plain dicts and three error types:
KubeError.temporary says whether a call may succeed if repeated (429, 5xx, dropped
connections), and NotFound, Conflict and Gone (410, a watch that must re-list) are the
ones callers act on.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from dagwell.core.errors import ConfigError, DagwellError

T = TypeVar("T")


class KubeError(DagwellError):
    def __init__(
        self,
        message: str,
        code: int | None = None,
        temporary: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.temporary = temporary
        self.retry_after = retry_after


class KubeNotFound(KubeError):
    pass


class KubeConflict(KubeError):
    pass


class KubeGone(KubeError):
    """410: the resourceVersion is too old; list again."""


class KubeConfigError(KubeError, ConfigError):
    """No usable Kubernetes configuration: none found, one that is no kubeconfig, or
    without the context asked for. Permanent: nothing is retried."""


_CONFIG_FIX = (
    "Point KubernetesOrchestrator(kubeconfig=...) (the CLI's --kubeconfig, or KUBECONFIG) "
    "at a kubeconfig file, or run inside a cluster."
)


def _client_config(kubeconfig: str | None, context: str | None) -> Any:
    """lightkube's configuration for ``kubeconfig`` (None: in-cluster, then KUBECONFIG,
    then ~/.kube/config) and ``context`` (None: its current one), or KubeConfigError."""
    import os

    from lightkube import KubeConfig
    from lightkube.core.exceptions import ConfigError as NoConfig

    where = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
    try:
        config = KubeConfig.from_file(kubeconfig) if kubeconfig else KubeConfig.from_env()
    except NoConfig as error:
        outside = "" if kubeconfig else ", and this process is not inside a cluster"
        raise KubeConfigError(
            f"No usable Kubernetes configuration: {error}{outside}. {_CONFIG_FIX}"
        ) from None
    except Exception as error:  # (YAML that is not a kubeconfig: KeyError 'clusters', ...)
        raise KubeConfigError(
            f"No usable Kubernetes configuration: {where} is not a kubeconfig file "
            f"({type(error).__name__}: {error}). {_CONFIG_FIX}"
        ) from None
    try:
        single = config.get(context)
    except NoConfig:
        known = ", ".join(sorted(config.contexts)) or "none"
        if context:
            asked = f"the context {context!r} is not"
        elif config.current_context:
            asked = f"its current-context {config.current_context!r} is not one of its contexts"
        else:
            asked = "no current-context is set"
        raise KubeConfigError(
            f"No usable Kubernetes configuration: {asked} in {where} (its contexts: "
            f"{known}); pass one as context=... (the CLI's --context)."
        ) from None
    except KeyError as error:  # (a context naming a cluster or user the file lacks)
        name = context or config.current_context
        raise KubeConfigError(
            f"No usable Kubernetes configuration: the context {name!r} in {where} names "
            f"the cluster or user {error.args[0]!r}, which the file does not define."
        ) from None
    _files_exist(single, where)
    return single


def _files_exist(single: Any, where: str) -> None:
    """The files a context names (CA, client certificate and key, token file) exist: the
    client's own error for one that does not names no file."""
    from pathlib import Path

    for named in (
        single.cluster.certificate_auth,
        single.user.client_cert,
        single.user.client_key,
        single.user.token_file,
    ):
        if named and not Path(single.abs_file(named)).is_file():
            raise KubeConfigError(
                f"No usable Kubernetes configuration: the context {single.context_name!r} "
                f"in {where} names the file {single.abs_file(named)}, which does not exist; "
                "fix that path there."
            )


def _translate(error: Exception) -> KubeError:
    import httpx2
    from lightkube import ApiError

    if isinstance(error, ApiError):
        header = error.response.headers.get("Retry-After") if error.response else None
        retry_after = float(header) if header and header.isdigit() else None
        return _status_error(
            int(error.status.code or 500),
            str(error.status.message or error.status.reason),
            retry_after,
        )
    if isinstance(error, httpx2.HTTPError | OSError):
        return KubeError(f"Kubernetes API unreachable: {type(error).__name__}: {error}", None, True)
    return KubeError(f"Kubernetes client failed: {type(error).__name__}: {error}")


def _status_error(code: int, message: str, retry_after: float | None = None) -> KubeError:
    """The one mapping from an API status code to dagwell's Kubernetes errors."""
    text = f"Kubernetes API error {code}: {message[:300]}"
    special = {404: KubeNotFound, 409: KubeConflict, 410: KubeGone}.get(code)
    if special is not None:
        return special(text, code)
    return KubeError(text, code, code == 429 or code >= 500, retry_after)


def _message(body: str) -> str:
    """The ``message`` of a Status body, or the body itself."""
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(body).get("message") or body)
    return body


def calling(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except KubeError:
        raise
    except Exception as error:
        raise _translate(error) from error


def with_retries(
    fn: Callable[[], T],
    *,
    what: str,
    window: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; retry temporary errors with backoff (honouring Retry-After)."""
    deadline = time.monotonic() + window
    delay = 0.1
    while True:
        try:
            return calling(fn)
        except KubeError as error:
            if not error.temporary or time.monotonic() > deadline:
                raise
            sleep(error.retry_after if error.retry_after else delay)
            delay = min(delay * 2, 5.0)


class KubeApi:
    """Pods, nodes, quotas and logs of one namespace, as dicts."""

    def __init__(
        self, *, namespace: str, kubeconfig: str | None = None, context: str | None = None
    ) -> None:
        self.namespace = namespace
        self._kubeconfig = kubeconfig
        self._context = context
        self._client = self._new_client()
        self._watch_client: Any = None
        self._log_client: Any = None
        self._watch_stream: Any = None
        self._log_streams: dict[str, Any] = {}
        self._closing_logs = False
        self._lock = threading.Lock()
        self._closing = False

    def _locked(self, fn: Callable[[], T]) -> T:
        """One lightkube call at a time: its decoders (msgspec) build their type
        information lazily, and two threads doing that at once crash the interpreter
        (27 of 30 fresh processes did, in a test here). The watch stream is decoded
        without lightkube, so a long watch never holds this lock."""
        with self._lock:
            return calling(fn)

    def _new_client(self) -> Any:
        from lightkube import Client

        single = _client_config(self._kubeconfig, self._context)
        try:
            return Client(config=single, namespace=self.namespace, field_manager="dagwell")
        except OSError as error:  # (a certificate or key that is no such: ssl.SSLError)
            raise KubeConfigError(
                f"No usable Kubernetes configuration: the context {single.context_name!r} "
                f"cannot be used: {error}. {_CONFIG_FIX}"
            ) from None

    # -- pods -----------------------------------------------------------------------------
    def create_pod(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        from lightkube.resources.core_v1 import Pod

        return self._locked(
            lambda: dict(self._client.create(Pod.from_dict(dict(manifest))).to_dict())
        )

    def get_pod(self, name: str) -> dict[str, Any] | None:
        from lightkube.resources.core_v1 import Pod

        try:
            return self._locked(lambda: dict(self._client.get(Pod, name).to_dict()))
        except KubeNotFound:
            return None

    def list_pods(self, labels: Mapping[str, str]) -> tuple[list[dict[str, Any]], str]:
        from lightkube.resources.core_v1 import Pod

        def run() -> tuple[list[dict[str, Any]], str]:
            found = self._client.list(Pod, labels=dict(labels))
            items = [dict(p.to_dict()) for p in found]
            return items, str(found.resourceVersion)

        return self._locked(run)

    def watch_pods(
        self,
        labels: Mapping[str, str],
        resource_version: str,
        opened: Callable[[], None] | None = None,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Watch events from ``resource_version`` until the server ends the stream (then
        watch again from the last version seen); raises KubeGone when it is too old.

        The stream is read here, over the HTTP client lightkube configured (auth, TLS, base
        URL), rather than through lightkube's watch, so that :meth:`interrupt_watch` can
        end a blocked read at once: a watch thread must be joinable before shutdown.
        ``opened`` is called once the server accepted the watch (the API answers again,
        though no pod may change for minutes).
        """
        if self._watch_client is None:
            self._watch_client = self._new_client()
        http = self._watch_client._client._client
        httpx = sys.modules[type(http).__module__.split(".")[0]]
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "labelSelector": ",".join(f"{k}={v}" for k, v in labels.items()),
            "timeoutSeconds": "300",
        }
        path = f"/api/v1/namespaces/{self.namespace}/pods"
        try:
            with http.stream(
                "GET", path, params=params, timeout=httpx.Timeout(10.0, read=None)
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _status_error(response.status_code, response.text)
                self._watch_stream = response.extensions.get("network_stream")
                if self._closing:  # interrupted before the stream was registered
                    return
                if opened is not None:
                    opened()
                for line in response.iter_lines():
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event.get("type") == "ERROR":
                        status = event.get("object") or {}
                        raise _status_error(
                            int(status.get("code") or 500),
                            str(status.get("message") or "watch error"),
                        )
                    yield str(event.get("type")), dict(event.get("object") or {})
        except KubeError:
            raise
        except Exception as error:
            raise _translate(error) from error
        finally:
            self._watch_stream = None

    def interrupt_watch(self) -> None:
        """End a watch blocked in a read (from another thread): shut its socket down."""
        self._closing = True
        stream = self._watch_stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def remove_finalizer(self, name: str, finalizer: str) -> None:
        from lightkube.resources.core_v1 import Pod
        from lightkube.types import PatchType

        pod = self.get_pod(name)
        if pod is None:
            return
        current = (pod.get("metadata") or {}).get("finalizers") or []
        if finalizer not in current:
            return
        keep = [f for f in current if f != finalizer]
        self._locked(
            lambda: self._client.patch(
                Pod, name, {"metadata": {"finalizers": keep}}, patch_type=PatchType.MERGE
            )
        )

    def label_pod(self, name: str, labels: Mapping[str, str]) -> None:
        from lightkube.resources.core_v1 import Pod
        from lightkube.types import PatchType

        self._locked(
            lambda: self._client.patch(
                Pod, name, {"metadata": {"labels": dict(labels)}}, patch_type=PatchType.MERGE
            )
        )

    def delete_pod(self, name: str, grace_seconds: int | None = None) -> None:
        from lightkube.resources.core_v1 import Pod

        try:
            self._locked(lambda: self._client.delete(Pod, name, grace_period=grace_seconds))
        except KubeNotFound:
            return

    def stream_pod_log(self, name: str, *, follow: bool) -> Iterator[bytes]:
        """The log of pod ``name`` from its start, as bytes; with ``follow`` as the
        container writes it, until the container ends: read as it comes, never again.

        Read over the HTTP client lightkube configured, as :meth:`watch_pods` does, so that
        :meth:`interrupt_logs` can end a blocked read from another thread. Log streams
        have an HTTP client of their own (up to 100 connections): however many pods are
        followed, the watch always gets a connection."""
        with self._lock:
            if self._log_client is None:
                self._log_client = self._new_client()
        http = self._log_client._client._client
        httpx = sys.modules[type(http).__module__.split(".")[0]]
        path = f"/api/v1/namespaces/{self.namespace}/pods/{name}/log"
        params = {"follow": str(follow).lower()}
        try:
            with http.stream(
                "GET", path, params=params, timeout=httpx.Timeout(10.0, read=None)
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _status_error(response.status_code, _message(response.text))
                self._log_streams[name] = response.extensions.get("network_stream")
                if self._closing_logs:
                    return
                yield from response.iter_raw()
        except KubeError:
            raise
        except Exception as error:
            raise _translate(error) from error
        finally:
            self._log_streams.pop(name, None)

    def interrupt_logs(self, name: str | None = None) -> None:
        """End the log stream of pod ``name`` (or every one, for good) blocked in a read,
        from another thread."""
        if name is None:
            self._closing_logs = True
        streams = [self._log_streams.get(name)] if name else list(self._log_streams.values())
        for stream in streams:
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    # -- capacity -------------------------------------------------------------------------
    def list_nodes(self) -> list[dict[str, Any]]:
        from lightkube.resources.core_v1 import Node

        return self._locked(lambda: [dict(n.to_dict()) for n in self._client.list(Node)])

    def get_node(self, name: str) -> dict[str, Any] | None:
        """Node ``name``, read by a list (the ClusterRole grants ``list`` on nodes only)."""
        from lightkube.resources.core_v1 import Node

        found = self._locked(
            lambda: [
                dict(n.to_dict()) for n in self._client.list(Node, fields={"metadata.name": name})
            ]
        )
        return found[0] if found else None

    def list_resource_quotas(self) -> list[dict[str, Any]]:
        from lightkube.resources.core_v1 import ResourceQuota

        return self._locked(lambda: [dict(q.to_dict()) for q in self._client.list(ResourceQuota)])

    def pod_events(self, name: str) -> list[dict[str, Any]]:
        """The events recorded about pod ``name`` (reason, message, ...)."""
        from lightkube.resources.core_v1 import Event

        return self._locked(
            lambda: [
                dict(e.to_dict())
                for e in self._client.list(Event, fields={"involvedObject.name": name})
            ]
        )

    # -- jobs and cron jobs (detached runs, schedules) ------------------------------------
    def create_job(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        from lightkube.resources.batch_v1 import Job

        return self._locked(
            lambda: dict(self._client.create(Job.from_dict(dict(manifest))).to_dict())
        )

    def get_job(self, name: str) -> dict[str, Any] | None:
        from lightkube.resources.batch_v1 import Job

        try:
            return self._locked(lambda: dict(self._client.get(Job, name).to_dict()))
        except KubeNotFound:
            return None

    def _cronjob_resource(self) -> Any:
        """batch/v1 CronJob from Kubernetes 1.21, batch/v1beta1 before (1.20 has no v1)."""
        from lightkube.generic_resource import create_namespaced_resource

        http = self._client._client._client  # the configured HTTP client (see watch_pods)
        version = self._locked(lambda: dict(http.get("/version").json()))
        minor = int("".join(ch for ch in str(version.get("minor", "99")) if ch.isdigit()) or 99)
        api = "v1" if int(version.get("major", 1)) > 1 or minor >= 21 else "v1beta1"
        return create_namespaced_resource("batch", api, "CronJob", "cronjobs"), f"batch/{api}"

    def create_cronjob(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        resource, api_version = self._cronjob_resource()
        body = {**manifest, "apiVersion": api_version}
        return self._locked(lambda: dict(self._client.create(resource.from_dict(body)).to_dict()))

    def list_cronjobs(self, labels: Mapping[str, str]) -> list[dict[str, Any]]:
        resource, _ = self._cronjob_resource()
        return self._locked(
            lambda: [dict(c.to_dict()) for c in self._client.list(resource, labels=dict(labels))]
        )

    def delete_cronjob(self, name: str) -> None:
        from lightkube.types import CascadeType

        resource, _ = self._cronjob_resource()
        self._locked(lambda: self._client.delete(resource, name, cascade=CascadeType.BACKGROUND))

    def close(self) -> None:
        for client in (self._watch_client, self._log_client, self._client):
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()


_POD_FIELDS = {  # PodSettings field -> (lightkube model in core_v1, a list of them?)
    "tolerations": ("Toleration", True),
    "affinity": ("Affinity", False),
    "volumes": ("Volume", True),
    "volume_mounts": ("VolumeMount", True),
    "security_context": ("SecurityContext", False),
}


def pod_field_problem(name: str, value: Any) -> str | None:
    """What is wrong with a pod-spec fragment from ``PodSettings`` (``name`` its field),
    checked against the pod schema lightkube ships: a wrong type, or a field the schema does
    not have (the API server would refuse the pod mid-run); None when it is fine."""
    if name not in _POD_FIELDS or value is None:
        return None
    from lightkube.models import core_v1

    model_name, many = _POD_FIELDS[name]
    model = getattr(core_v1, model_name)
    items = value if many else [value]
    if many and not isinstance(value, list):
        return f"{name} must be a list of {model_name} objects, got {type(value).__name__}"
    for index, item in enumerate(items):
        where = f"{name}[{index}]" if many else name
        if not isinstance(item, dict):
            return f"{where} must be a {model_name} object (a dict), got {type(item).__name__}"
        try:
            parsed = model.from_dict(item).to_dict()
        except Exception as error:
            return f"{where} is not a valid {model_name}: {error}"
        unknown = _unknown_keys(item, parsed, where)
        if unknown:
            return f"{unknown} is not a field of the Kubernetes pod schema ({model_name})"
    return None


def _unknown_keys(given: Any, parsed: Any, where: str) -> str | None:
    """The first key of ``given`` that the parsed model dropped (an unknown field)."""
    if isinstance(given, dict) and isinstance(parsed, dict):
        for key, value in given.items():
            if key not in parsed:
                if value is None:
                    continue
                return f"{where}.{key}"
            found = _unknown_keys(value, parsed[key], f"{where}.{key}")
            if found:
                return found
    if isinstance(given, list) and isinstance(parsed, list):
        for index, (a, b) in enumerate(zip(given, parsed, strict=False)):
            found = _unknown_keys(a, b, f"{where}[{index}]")
            if found:
                return found
    return None
