"""Step cache keys: same code, same parameters, same input bytes -> same outputs.

The key covers the step's source (its function's code), its name and output names, its
JSON parameters and the digests of its input artifacts. Anything else that changes a
step's result (the clock, a file it reads) is the step's own business: turn the cache off
for it with ``enable_cache=False``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import StepSpec

CACHE_VERSION = 1


def cache_key(spec: StepSpec, inputs: Mapping[str, ArtifactRef], params: Mapping[str, Any]) -> str:
    document = {
        "v": CACHE_VERSION,
        "name": spec.name,
        "source": spec.source_hash,
        "outputs": list(spec.outputs),
        "params": params,
        "inputs": {name: ref.digest for name, ref in sorted(inputs.items())},
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()
