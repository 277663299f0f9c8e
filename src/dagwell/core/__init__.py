"""The pure core: what a run is and how it must behave, with no I/O.

The graph and plan traced from a pipeline, statuses and their transition table, run rules,
failure kinds, retry and memory-escalation decisions, admission, the scheduler's decisions,
units, manifests, settings, the read models of a run and every error. It may use the
standard library and pydantic, and imports nothing else of dagwell (an import contract in
``.importlinter`` checks this), so every rule here is testable without a process, a file or
a database.
"""
