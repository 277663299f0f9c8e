"""Node health: an attempt whose node went silent ends ``node_lost``, not never.

A node that stops reporting (a partition, a frozen machine) leaves its pods showing
Running for ever: its kubelet will never write their end, and the taint manager deletes
them only if they do not tolerate the unreachable taint (a toleration with
``operator: Exists`` tolerates it for ever). The node's Ready condition is what the API
knows; the runtime reads it at each re-list (``resync_interval``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.units import format_seconds
from dagwell.kubernetes.api import KubeError, with_retries
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import delete_pod

log = logging.getLogger("dagwell.kubernetes")


class NodeHealth:
    def __init__(self, observer: Observer, *, run_id: str, node_lost_timeout: float) -> None:
        self.observer = observer
        self.run_id = run_id
        self.node_lost_timeout = node_lost_timeout
        self.nodes_unreadable = False  # said once: no `list nodes` (see check)

    def check(self) -> None:
        """End the attempts whose node has not been Ready for ``node_lost_timeout``: past
        the bound the attempt ends ``node_lost`` (the infrastructure's budget) and its pod
        is deleted at once (grace 0: no kubelet will confirm it)."""
        observer = self.observer
        with observer.table.lock:
            watched = [(k, p) for k, p in observer.table.pods.items() if not p.ended and p.node]
        if not watched:
            return
        try:
            listed = with_retries(observer.api.list_nodes, what="list nodes", window=5)
        except KubeError as error:  # an outage: next time; a refusal: said once
            if not error.temporary and not self.nodes_unreadable:
                self.nodes_unreadable = True
                log.warning(
                    "cannot read the nodes of run %s's pods (%s): a pod whose node goes "
                    "silent ends only when it is deleted (give the Role `list` on nodes)",
                    self.run_id,
                    error,
                )
            return
        nodes = {str((n.get("metadata") or {}).get("name")): n for n in listed}
        now = time.monotonic()
        for key, tracked in watched:
            assert tracked.node is not None
            why = _not_ready(nodes.get(tracked.node))
            if why is None:
                tracked.node_down_since = None
                continue
            if tracked.node_down_since is None:
                tracked.node_down_since = now
            if now - tracked.node_down_since < self.node_lost_timeout:
                continue
            pod = None
            with contextlib.suppress(KubeError):
                pod = observer.api.get_pod(tracked.name)
            if pod is not None:
                observer.on_pod("MODIFIED", pod)  # it may have ended after all
            if tracked.ended:
                continue
            tracked.deleting = True
            observer.end(
                key,
                Failure(
                    FailureKind.NODE_LOST,
                    (
                        f"Node {tracked.node} {why}: pod {tracked.name} on it can report "
                        f"nothing, and {format_seconds(now - tracked.node_down_since)} passed "
                        "without the node coming back (node_lost_timeout)."
                    ),
                    node=tracked.node,
                ),
                pod,
                node=tracked.node,
            )
            delete_pod(observer.api, tracked.name, grace_seconds=0)


def _not_ready(node: Mapping[str, Any] | None) -> str | None:
    """Why ``node`` cannot be running its pods (gone, or Ready not True), or None."""
    if node is None:
        return "is gone from the cluster"
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            if condition.get("status") == "True":
                return None
            detail = str(condition.get("message") or condition.get("reason") or "").rstrip(".")
            state = f"Ready={condition.get('status')}" + (f": {detail}" if detail else "")
            return f"is not Ready ({state})"
    return "reports no Ready condition"
