"""Showing runs to people: the live terminal progress and the tables and story of a run.

Used by the face (a blocking pipeline call shows live progress), the CLI and the dashboard.
It reads the read models of :mod:`dagwell.core.records`; it never touches a store.
"""
