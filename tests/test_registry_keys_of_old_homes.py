"""Names the previous dagwell could keep in the artifact registry keep their keys: a name
is hashed only when its encoded part could not be a file name (with ``.json``), so the
versions an older home holds under ``n<base64>`` are still found, and numbered on."""

from __future__ import annotations

import base64

import pytest

from dagwell.artifact_store.registry import encode


def _old_part(name: str) -> str:
    """How the previous dagwell encoded a name (base64, whatever its length)."""
    return "n" + base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


@pytest.mark.parametrize("name", ["x" * 160, "x" * 186, "模型" * 31])
def test_a_name_whose_old_part_fits_a_file_name_keeps_it(name):
    """Before: a part over 200 characters was hashed, so a 160-character artifact an older
    home held (as n<base64>.json, 215 characters) was no longer found and a second
    'version 1' was made."""
    old = _old_part(name)
    assert len(old) + len(".json") <= 255  # (the old dagwell could store it)
    assert encode(name) == old


def test_a_name_too_long_for_a_file_name_is_hashed():
    assert encode("x" * 187).startswith("h")  # (its part with .json would be 256 bytes)
    assert len(encode("模型" * 200)) < 100
