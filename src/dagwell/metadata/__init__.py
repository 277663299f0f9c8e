"""``dagwell.metadata``: ZenML's ``zenml.metadata`` path (the special metadata value types)."""
