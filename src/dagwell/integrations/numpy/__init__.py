"""``dagwell.integrations.numpy``: ZenML's numpy integration, of which dagwell mirrors the
materializer only (``.materializers``)."""
