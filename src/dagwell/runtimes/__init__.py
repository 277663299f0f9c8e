"""Runtimes: where attempts execute, behind one narrow interface (:mod:`.base`).

``local`` forks each attempt from a lean zygote into its own cgroup under a node cgroup
(real kernel OOM kills), ``inprocess`` runs steps in the orchestrator for debugging, and
``worker`` is the attempt side that both local processes and pods execute. Runtimes may use
the artifact store and the core; they never import the engine, the run store or the CLI,
and they never retry on their own.
"""
