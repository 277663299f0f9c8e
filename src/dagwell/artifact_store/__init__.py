"""The artifact store: content-addressed values on local disk or fsspec URLs, and the
materializers that turn Python values into files and back.

Attempt processes write their outputs and a result manifest here and nowhere else; the
Kubernetes orchestrator keeps each attempt's log here too (:mod:`.attempt_logs`), where
every reader of a run finds it. It may
use only the core; the run store never imports it, and it never imports the run store.
"""
