"""The implementation of the public face: ``@step``, ``@pipeline``, tracing and the Client.

What users call lives here and is re-exported by :mod:`dagwell` and the thin public modules
at the top level. It may use every layer below it (engine, display, runtimes, stores, core);
only the entry points (cli, ui) sit above it.
"""

# A step called outside a pipeline runs as a pipeline of its own: dagwell.api.pipelines,
# which builds on dagwell.api.steps, tells it how when it loads (see Step.__call__).
from dagwell.api import pipelines as _pipelines  # noqa: F401
