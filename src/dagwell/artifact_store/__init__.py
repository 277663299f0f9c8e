"""The artifact store: content-addressed values on local disk or fsspec URLs, and the
materializers that turn Python values into files and back.

Attempt processes write their outputs and a result manifest here and nowhere else. It may
use only the core; the run store never imports it, and it never imports the run store.
"""
