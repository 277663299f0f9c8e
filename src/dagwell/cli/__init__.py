"""The ``dagwell`` command line: an entry point over the public API.

It reads runs through the Client and renders them with :mod:`dagwell.display`; it writes
nothing itself (stop and resume go through the Client). Nothing else in dagwell imports it.
"""

from dagwell.cli.commands import main

__all__ = ["main"]
