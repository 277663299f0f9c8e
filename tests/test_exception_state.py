"""The attributes of a step's exception that travel to the FAIL_FAST caller: each that
pickles, smallest first, up to STATE_MAX bytes in all."""

from __future__ import annotations

from dagwell.core.exception_state import STATE_MAX, decode_state, encode_state


class QualityGateError(Exception):
    def __init__(self, metric: float, report: bytes, rows: list[int]) -> None:
        super().__init__(f"metric {metric}")
        self.metric = metric
        self.report = report
        self.rows = rows


def test_small_attributes_travel_when_all_together_are_too_large():
    """Before: attributes that fitted one by one but not together all stayed behind, and
    the caller's error.metric was an AttributeError."""
    error = QualityGateError(0.71, b"r" * 150_000, list(range(40_000)))
    kept = decode_state(encode_state(error))
    assert kept["metric"] == 0.71
    assert len(kept) == 2  # (the report fits beside the metric; the rows then do not)
    assert sum(len(repr(v)) for v in kept.values()) < 2 * STATE_MAX


def test_an_exception_without_attributes_carries_nothing():
    assert encode_state(ValueError("plain")) is None
