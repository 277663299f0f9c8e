"""A SQLite run store damaged inside (a page overwritten), met by a run.

The store's file opens and the run is recorded, then a write reaches the damaged page:
"database disk image is malformed". Before: the engine printed two tracebacks of
SQLAlchemy and sqlite3 ("the engine failed", then "recording the stop ... failed") and
the error it raised called the file "not a dagwell store" and said to move it away, as
if it were some other file. Now the run's output names the damage and what to do, with
no traceback, and the error raised says the same.
"""

import os

from helpers import run_script

SCRIPT = """
from dagwell import pipeline, step
from dagwell.core.errors import StoreError

@step(enable_cache=False)
def one() -> int:
    return 1

@pipeline(enable_cache=False)
def p() -> None:
    one()

try:
    p()
    print("ended completed")
except StoreError as error:
    print("ended", type(error).__name__, error)
"""


def _damage(path) -> None:
    """Overwrite 8 KiB in the middle of the database: its header stays readable."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 8192)


def test_a_damaged_store_is_named_with_its_fix_and_no_traceback(tmp_path):
    home = tmp_path / "home"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    first = run_script([str(script)], home)
    assert "ended completed" in first.stdout, first.stdout + first.stderr
    for extra in ("-wal", "-shm"):  # (all of it is in the database once the run ended)
        assert not os.path.exists(str(home / "dagwell.db") + extra)
    _damage(home / "dagwell.db")
    second = run_script([str(script)], home)
    out = second.stdout + second.stderr
    assert "ended StoreUnusable" in second.stdout, out
    assert "is damaged" in second.stdout and "malformed" in second.stdout, out
    assert "Traceback" not in out, out
