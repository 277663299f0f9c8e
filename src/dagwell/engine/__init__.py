"""The engine: one loop that turns runtime events into transitions and records them.

``runner`` starts a new run, ``resume`` takes over an orphaned one, ``restore`` rebuilds the
scheduler from the record, ``loop`` drives a run to its end, ``orchestrators`` rebuilds the
orchestrator a run recorded. It may use runtimes, kubernetes, the stores and the core; it
never imports a display (it reports through :class:`dagwell.core.progress.Progress`).
"""
