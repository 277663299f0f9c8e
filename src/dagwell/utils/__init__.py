"""``dagwell.utils``: ZenML's ``zenml.utils`` path, for the helpers user code imports."""
