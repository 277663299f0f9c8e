"""Real ZenML code runs on dagwell with only its imports changed (issue 15).

``tests/zenml_docs_corpus/`` holds pieces of ZenML 0.98 code taken from ZenML's docs (each
file names its page), with asserts added on what ZenML itself returns. Each is converted
exactly as a user would, ``s/zenml/dagwell/`` and nothing else, and run as a script in a
fresh directory with its own DAGWELL_HOME. ZenML 0.98 itself runs them too (see
/work/notes/zenml/SURVEY.md for which do).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_script

CORPUS = Path(__file__).parent / "zenml_docs_corpus"
PIECES = sorted(p.name for p in CORPUS.glob("c*.py"))


def test_the_corpus_is_there():
    assert len(PIECES) >= 25


@pytest.mark.parametrize("name", PIECES)
def test_zenml_piece_runs_with_only_imports_changed(name, tmp_path):
    source = (CORPUS / name).read_text()
    converted = source.replace("zenml", "dagwell")
    script = tmp_path / name
    script.write_text(converted)
    done = run_script([str(script)], tmp_path / ".dagwell", cwd=tmp_path, timeout=240)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
