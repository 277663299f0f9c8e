"""``dagwell.io``: ZenML's ``zenml.io`` path (``fileio`` for materializers)."""
