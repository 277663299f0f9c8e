"""The dagwell CLI, run as a real command in a subprocess against a real home."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SEED = textwrap.dedent("""
    from dagwell import step, pipeline

    @step
    def wait():
        print("waiting")

    @pipeline(enable_cache=False)
    def p():
        for i in range(10):
            wait()

    p()
""")


def dagwell(*args, home, cwd=None, check=True):
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "dagwell", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"dagwell {args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.fixture
def seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.py"
    path.write_text(SEED)
    return path


def test_run_then_show_lists_every_step_completed(home, seed_file):
    out = dagwell("run", str(seed_file), home=home).stdout
    assert "completed" in out
    shown = dagwell("runs", "show", "latest", home=home).stdout
    for name in ["wait"] + [f"wait_{i}" for i in range(2, 11)]:
        assert f" {name} " in shown
    data = json.loads(dagwell("runs", "show", "latest", "--json", home=home).stdout)
    assert data["status"] == "completed"
    assert list(data["steps"]) == ["wait"] + [f"wait_{i}" for i in range(2, 11)]
    assert {s["status"] for s in data["steps"].values()} == {"completed"}
    attempt = data["steps"]["wait_3"]["attempts"][0]
    assert attempt["number"] == 1 and attempt["status"] == "completed"
    assert attempt["peak_memory"] > 0


def test_list_logs_and_json(home, seed_file):
    dagwell("run", str(seed_file), home=home)
    listed = json.loads(dagwell("runs", "list", "--json", home=home).stdout)
    assert len(listed) == 1 and listed[0]["step_counts"] == {"completed": 10}
    table = dagwell("runs", "list", home=home).stdout
    assert listed[0]["id"] in table
    logs = dagwell("runs", "logs", listed[0]["id"], "wait_2", home=home).stdout
    assert "waiting" in logs and "wait_2 attempt 1" in logs
    entries = json.loads(dagwell("runs", "logs", "latest", "--json", home=home).stdout)
    assert len(entries) == 10 and all("waiting" in e["log"] for e in entries)


def test_run_named_pipeline_with_params(home, tmp_path):
    path = tmp_path / "ml.py"
    path.write_text(
        textwrap.dedent("""
        from dagwell import step, pipeline

        @step
        def double(x: int) -> int:
            return 2 * x

        @pipeline
        def twice(x: int = 1):
            double(double(x))

        @pipeline
        def other():
            double(0)
    """)
    )
    out = json.loads(dagwell("run", f"{path}:twice", "-p", "x=5", "--json", home=home).stdout)
    assert out["status"] == "completed" and out["params"] == {"x": 5}
    ambiguous = dagwell("run", str(path), home=home, check=False)
    assert ambiguous.returncode == 2 and "name one as" in ambiguous.stderr


def test_failed_run_exits_nonzero_and_errors_are_one_line(home, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        textwrap.dedent("""
        from dagwell import step, pipeline

        @step
        def boom() -> None:
            raise RuntimeError("kaput")

        @pipeline
        def p():
            boom()

        p()
    """)
    )
    result = dagwell("run", str(path), home=home, check=False)
    assert result.returncode == 1 and "failed" in result.stdout
    missing = dagwell("runs", "show", "nope", home=home, check=False)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: No run 'nope'") and "Traceback" not in missing.stderr
    nofile = dagwell("run", "missing.py", home=home, check=False)
    assert nofile.returncode == 2 and "no such file" in nofile.stderr


def test_empty_home(home):
    assert "No runs yet" in dagwell("runs", "list", home=home).stdout
    assert json.loads(dagwell("runs", "list", "--json", home=home).stdout) == []


def test_names_that_look_like_rich_markup_are_shown_as_written(home, tmp_path):
    """Before: `runs show` and `runs list` died with rich's MarkupError on a step id or run
    name such as 'a[/b]' (and the dashboard's story with it), and '[bold red]x[/]' lost its
    brackets."""
    path = tmp_path / "markup.py"
    path.write_text(
        textwrap.dedent("""
        from dagwell import step, pipeline

        @step
        def s() -> int:
            return 1

        @pipeline(enable_cache=False)
        def p():
            s(id="a[/b]")
            s(id="[bold red]loud[/]")

        p.with_options(run_name="r[/y]")()
        """)
    )
    dagwell("run", str(path), home=home)
    shown = dagwell("runs", "show", "latest", home=home).stdout
    assert "run r[/y] " in shown
    assert " a[/b] " in shown and " [bold red]loud[/] " in shown
    assert " r[/y] " in dagwell("runs", "list", home=home).stdout


def test_dagwell_run_runs_a_script_that_uses_its_run_and_says_where_it_stopped(home, tmp_path):
    """Before: `dagwell run` of the README's quickstart shape (`run = p(); print(run.summary())`)
    failed with AttributeError without running anything."""
    path = tmp_path / "quickstart.py"
    path.write_text(SEED.replace("\np()\n", "\nrun = p()\nprint(run.summary())\n"))
    out = dagwell("run", str(path), home=home)
    assert "completed" in out.stdout
    assert f"{path}:14: AttributeError" in out.stderr  # the user is told what did not run
    assert "did not run" in out.stderr
    listed = json.loads(dagwell("runs", "list", "--json", home=home).stdout)
    assert [r["status"] for r in listed] == ["completed"]
