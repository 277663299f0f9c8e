"""The tags handed to each attempt (for its add_tags to refuse a mismatched exclusive= as
ZenML does) stay small: a home whose tags take more than KNOWN_BYTES as JSON hands none,
since a pod gets its whole spec as one argument (over 128 KiB it cannot be exec'd)."""

from __future__ import annotations

import json

from dagwell.api.client import Client
from dagwell.engine.known_tags import KNOWN_BYTES, KnownTags


def test_a_few_tags_are_handed_and_kept_up_to_date(home):
    client = Client()
    client.create_tag("plain")
    client.create_tag("best", exclusive=True)
    known = KnownTags()
    assert known.snapshot(client.store()) == {"plain": False, "best": True}
    known.note([{"add": [{"name": "fresh", "exclusive": False}]}])
    assert known.snapshot(client.store()) == {"plain": False, "best": True, "fresh": False}


def test_tags_too_large_for_a_pods_argument_are_not_handed(home):
    """Before: the cap counted tags (500), and 120 tags of 200 CJK characters (143 KB of
    JSON) rode in every attempt's spec, past what one exec argument may hold."""
    client = Client()
    for i in range(120):
        client.create_tag(f"{i:03d}" + "模" * 197)
    rows = client.store().tag_rows()
    assert len(json.dumps({r["name"]: False for r in rows})) > 128 * 1024
    assert KnownTags().snapshot(client.store()) is None
    assert KNOWN_BYTES < 128 * 1024
