"""Riding out a store outage without freezing the run.

A store call that retried for the whole window inside the engine loop would freeze it:
attempts would go on running unwatched, their timeouts would not fire, their ends would not
be seen and a stop signal would wait. So the loop's store calls try once each; a failure
starts (or continues) an outage, during which the loop holds what it has to record, starts
nothing new, keeps watching its attempts and tries the store again with backoff. When the
store answers, the held changes are written in one transaction and the run goes on as if
nothing happened. An outage longer than the retry window (``DAGWELL_STORE_RETRY``) ends the
orchestrator: the run is left ``running`` for ``dagwell runs resume``, never recorded as a
stop nobody asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from dagwell.core.errors import StoreUnavailable
from dagwell.core.units import format_seconds

FIRST_DELAY = 0.1  # seconds before the first retry of a failed store call
MAX_DELAY = 2.0  # the backoff between retries never grows past this


@dataclass
class Outage:
    """The state of the store as the engine sees it: up, or out since some time."""

    window: float  # seconds an outage may last before the run is given up
    clock: Callable[[], float] = time.monotonic
    since: float | None = None
    next_try: float = 0.0
    delay: float = FIRST_DELAY
    error: StoreUnavailable | None = None

    @property
    def active(self) -> bool:
        return self.since is not None

    def due(self) -> bool:
        """Whether the store may be tried now (always, unless out and backing off)."""
        return self.since is None or self.clock() >= self.next_try

    def wait(self) -> float:
        """Seconds until the next try is due (0 when the store is up)."""
        return 0.0 if self.since is None else max(0.0, self.next_try - self.clock())

    def remaining(self) -> float:
        """Seconds of the window left for this outage (all of it when the store is up)."""
        if self.since is None:
            return self.window
        return max(0.0, self.window - (self.clock() - self.since))

    def failed(self, error: StoreUnavailable) -> bool:
        """Count a failed try; True when it starts an outage. Raises StoreUnavailable once
        the outage has lasted the whole window."""
        now = self.clock()
        started = self.since is None
        if self.since is None:
            self.since, self.delay = now, FIRST_DELAY
        else:
            self.delay = min(self.delay * 2, MAX_DELAY)
        self.next_try = now + self.delay
        self.error = error
        if now - self.since >= self.window:
            raise StoreUnavailable(
                f"{error} It stayed unavailable for {format_seconds(now - self.since)} "
                f"(DAGWELL_STORE_RETRY={self.window:g}s)."
            ) from error
        return started

    def recovered(self) -> float | None:
        """The store answered: end the outage; return how long it lasted (None if none)."""
        if self.since is None:
            return None
        lasted = self.clock() - self.since
        self.since, self.error, self.delay = None, None, FIRST_DELAY
        return lasted
