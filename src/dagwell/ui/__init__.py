"""``dagwell ui``: a web dashboard over the run store, its ``/metrics``, served by Starlette.

It reads runs through :class:`dagwell.api.client.Client` only and writes nothing but the
public stop and resume calls. Nothing imports this package except the ``dagwell ui`` command.
"""
