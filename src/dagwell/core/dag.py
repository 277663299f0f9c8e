"""The DAG of one run: invocation ids and who must finish before whom. Pure, no I/O.

Hamilton's lesson: keep the graph a plain data structure that knows nothing about
execution, so the scheduler, the CLI and the tests can all ask it questions cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dagwell.core.errors import DefinitionError


@dataclass
class Dag:
    """Nodes in insertion order (the order steps were called), with upstream sets."""

    upstream: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_upstream(cls, upstream: Mapping[str, Iterable[str]]) -> Dag:
        dag = cls()
        for node, ups in upstream.items():
            dag.add(node, ups)
        return dag

    def add(self, node: str, upstream: Iterable[str] = ()) -> None:
        if node in self.upstream:
            raise DefinitionError(f"Step id {node!r} appears twice; every step id must be unique.")
        ups = tuple(dict.fromkeys(upstream))
        for up in ups:
            if up not in self.upstream:
                raise DefinitionError(
                    f"Step {node!r} depends on {up!r}, which is not defined before it. "
                    "Call the upstream step first inside the pipeline function."
                )
        self.upstream[node] = ups

    @property
    def nodes(self) -> list[str]:
        return list(self.upstream)

    def downstream(self) -> dict[str, list[str]]:
        """Direct downstream lists, computed from the upstream sets."""
        down: dict[str, list[str]] = {node: [] for node in self.upstream}
        for node, ups in self.upstream.items():
            for up in ups:
                down[up].append(node)
        return down

    def descendants(self, node: str, down: Mapping[str, list[str]] | None = None) -> list[str]:
        """Every node reachable downstream of ``node`` (not including it), in order.
        ``down``: :meth:`downstream`, when the caller already has it."""
        down = down if down is not None else self.downstream()
        seen: dict[str, None] = {}
        stack = list(down[node])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen[current] = None
                stack.extend(down[current])
        return [n for n in self.upstream if n in seen]
