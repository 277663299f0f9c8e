"""``python -m dagwell``: the CLI (pods run ``python -m dagwell attempt ...``)."""

from dagwell.cli import main

main()
