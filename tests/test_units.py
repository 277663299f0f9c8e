import pytest

from dagwell.core.errors import ConfigError
from dagwell.core.units import format_bytes, format_seconds, parse_memory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("400MB", 400 * 10**6),
        ("4GB", 4 * 10**9),
        ("512Mi", 512 * 2**20),
        ("4Gi", 4 * 2**30),
        ("1.5GB", 1_500_000_000),
        ("100", 100),
        ("100B", 100),
        ("2KiB", 2048),
        ("1 GB", 10**9),
        ("64mi", 64 * 2**20),
        (1234, 1234),
    ],
)
def test_parse_memory_accepts_decimal_and_kubernetes_units(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize(
    "bad", ["4GBB", "-1Gi", "", "GB", "1.2.3GB", "12 parsecs", 0, -5, True, None, 1.5, "0MB"]
)
def test_parse_memory_rejects_bad_input_with_examples(bad):
    with pytest.raises(ConfigError) as info:
        parse_memory(bad)
    assert "'400MB'" in str(info.value)  # the message shows what to write instead


def test_unknown_unit_is_named():
    with pytest.raises(ConfigError, match="unknown unit 'GBB'"):
        parse_memory("4GBB")


def test_milli_memory_is_refused_with_the_fix():
    """Regression: parse_memory("100m") returned 100 MB; in Kubernetes quantities m is milli."""
    with pytest.raises(ConfigError, match=r"'m' means milli.*'100M'.*'100Mi'"):
        parse_memory("100m")
    assert parse_memory("100M") == 100 * 10**6


def test_format_helpers():
    assert format_bytes(None) == "-"
    assert format_bytes(400 * 10**6) == "400 MB"
    assert format_bytes(1_400_000_000) == "1.4 GB"
    assert format_bytes(512) == "512 B"
    assert format_seconds(None) == "-"
    assert format_seconds(0.0123) == "12ms"
    assert format_seconds(75) == "1m15s"
    assert format_seconds(4000) == "1h06m"
