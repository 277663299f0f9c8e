"""The two small documents that cross the process boundary: artifact refs and results.

An attempt process (a forked child, a spawned worker or a pod) never touches the run
store. It writes its outputs to the artifact store and then a result manifest; the
orchestrator reads the manifest and records. Both documents are plain JSON so any
runtime can carry them, and they are versioned so an older worker is recognised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ArtifactRef:
    """Where an artifact's bytes are (by content digest) and how to turn them into a value."""

    digest: str  # sha256 hex of the stored bytes
    materializer: str
    type_name: str
    size: int
    python: str | None = None  # "3.11" for pickles: a pickle only loads on the same Python
    # Data registered where it already is (register_artifact): its location. The digest
    # then names the registration, not bytes dagwell read.
    uri: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "digest": self.digest,
            "materializer": self.materializer,
            "type_name": self.type_name,
            "size": self.size,
            "python": self.python,
        }
        if self.uri is not None:
            doc["uri"] = self.uri
        return doc

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArtifactRef:
        return cls(
            digest=str(data["digest"]),
            materializer=str(data["materializer"]),
            type_name=str(data["type_name"]),
            size=int(data["size"]),
            python=data.get("python"),
            uri=data.get("uri"),
        )


@dataclass
class ResultManifest:
    """What an attempt reports about itself when it ends on its own."""

    ok: bool
    outputs: dict[str, ArtifactRef] = field(default_factory=dict)
    error_kind: str | None = None  # a FailureKind value when not ok
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "ok": self.ok,
            "outputs": {name: ref.to_json() for name, ref in self.outputs.items()},
            "error_kind": self.error_kind,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "traceback": self.traceback,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResultManifest:
        return cls(
            ok=bool(data["ok"]),
            outputs={k: ArtifactRef.from_json(v) for k, v in data.get("outputs", {}).items()},
            error_kind=data.get("error_kind"),
            error_type=data.get("error_type"),
            error_message=data.get("error_message"),
            traceback=data.get("traceback"),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            warnings=list(data.get("warnings", [])),
        )
