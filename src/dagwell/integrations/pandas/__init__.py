"""``dagwell.integrations.pandas``: ZenML's pandas integration, of which dagwell mirrors the
materializer only (``.materializers``)."""
