"""Every import that README, docs and examples show works, and the face stays flat.

The names are read from the documents themselves, so a moved module or a renamed name
breaks this test, not a user.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r"^\s*from (dagwell[\w.]*) import \(?([\w, \n]+?)\)?\s*$", re.M)


def documented_imports() -> list[tuple[str, str]]:
    found = set()
    docs = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.py")]
    for path in docs:
        for module, names in IMPORT.findall(path.read_text()):
            for written in names.replace("\n", " ").split(","):
                name = written.strip().split(" as ")[0]
                if name:
                    found.add((module, name))
    return sorted(found)


def test_the_documents_show_imports():
    assert len(documented_imports()) >= 8


@pytest.mark.parametrize(("module", "name"), documented_imports())
def test_documented_import_works(module, name):
    assert hasattr(importlib.import_module(module), name)


def test_every_public_name_resolves():
    import dagwell

    for name in dagwell.__all__:
        assert getattr(dagwell, name) is not None


def test_the_kubernetes_face_is_pure():
    from dagwell.kubernetes import PodSettings, classify_pod

    assert callable(classify_pod) and PodSettings is not None
