"""``dagwell.integrations.sklearn``: ZenML's scikit-learn integration, of which dagwell mirrors the
materializer only (``.materializers``)."""
