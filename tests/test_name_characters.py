"""Which characters a name may hold: text, including format characters such as the
zero-width joiner of emoji sequences; not controls, nor the bidirectional controls that
make a terminal show a name as another."""

from __future__ import annotations

import pytest

from dagwell.core.errors import DefinitionError
from dagwell.core.names import check_name


@pytest.mark.parametrize("name", ["🧑\u200d🔬 ablation", "soft\u00adhyphen", "数据 run"])
def test_text_with_format_characters_is_a_name(name):
    """Before: any Unicode category C character was refused, the joiner (Cf) among them,
    and since dcc6226 checks run names too, such run names that ran before were refused."""
    assert check_name(name, "Run name", 200) == name


@pytest.mark.parametrize("name", ["tab\there", "bell\x07", "evil\u202eexe.txt", "x\ud800"])
def test_controls_and_bidirectional_controls_are_refused(name):
    with pytest.raises(DefinitionError, match="control characters"):
        check_name(name, "Run name", 200)
