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
#: The most characters of an exception's message, and of its traceback, that a manifest
#: carries. The run store keeps them in the step's note and the attempt's failure, and
#: every view of the run shows them: a step that raises with a whole data frame in its
#: message must not put megabytes there (its log has the whole traceback).
MESSAGE_MAX = 2000
TRACEBACK_MAX = 20000


def clip(text: str, limit: int, keep_tail: bool = False) -> str:
    """``text`` if it fits in ``limit`` characters, else at most ``limit`` of them (for a
    limit that holds the mark): its head (and with ``keep_tail`` its last quarter too)
    around a mark that says how many characters were cut."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(f" [... {len(text)} characters cut ...] "))
    tail = room // 4 if keep_tail else 0
    head = room - tail
    mark = f" [... {len(text) - head - tail} characters cut ...]"
    return text[:head] + mark + (f" {text[len(text) - tail :]}" if tail else "")


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
    # What ZenML's built-in materializer of the value records of it (a list's "length", a
    # number's "string_representation"): the version's metadata, carried with the ref so
    # the attempt writes nothing more for it. Not part of what the ref is.
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

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
        if self.metadata:
            doc["metadata"] = dict(self.metadata)
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
            metadata=dict(data.get("metadata") or {}),
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
    # Tags the step put on or took off runs and pipelines (see core.context StepInfo),
    # recorded by the orchestrator whether the attempt ended well or not, as in ZenML.
    tag_changes: list[dict[str, Any]] = field(default_factory=list)
    # The step exception's own attributes (see core.exception_state), for FAIL_FAST's error.
    error_state: str | None = None

    def error_text(self) -> str:
        """``Type: message``, or the type alone when the message is empty."""
        kind = self.error_type or "Error"
        message = (self.error_message or "").strip()
        return f"{kind}: {message}" if message else kind

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
            "tag_changes": list(self.tag_changes),
            "error_state": self.error_state,
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
            tag_changes=list(data.get("tag_changes", [])),
            error_state=data.get("error_state"),
        )
