"""Runtimes: where attempts execute (in-process, local processes in cgroups, pods)."""
