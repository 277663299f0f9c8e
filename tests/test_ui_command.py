"""`dagwell ui` from the command line: a port it cannot have is said so, with the fix,
before any URL is printed; `--port 0` serves on a free port and prints that port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

DAGWELL = [sys.executable, "-m", "dagwell"]


def _ui(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DAGWELL_HOME": str(home)}
    env.pop("DAGWELL_UI_TOKEN", None)
    return subprocess.Popen(
        [*DAGWELL, "ui", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _ended(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_a_port_out_of_range_is_refused_by_name(tmp_path: Path) -> None:
    code, out, err = _ended(_ui(tmp_path, "--port", "99999"))
    assert code == 2, (out, err)
    assert "Traceback" not in err and "99999" in err and "0<=x<=65535" in err, err


def test_a_port_in_use_is_named_with_the_fix_and_no_url(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, out, err = _ended(_ui(tmp_path, "--port", str(port)))
    assert code == 2, (out, err)
    assert "Traceback" not in err, err
    assert f"127.0.0.1:{port}" in err and "in use" in err and "--port" in err, err
    assert "http://" not in out, out  # (no URL of a dashboard that is not there)


def test_a_host_that_is_no_address_here_is_named(tmp_path: Path) -> None:
    code, out, err = _ended(_ui(tmp_path, "--host", "nonexistent.invalid", "--token", "t"))
    assert code == 2, (out, err)
    assert "Traceback" not in err and "nonexistent.invalid" in err and "--host" in err, err
    assert "http://" not in out, out


def test_port_zero_serves_on_the_free_port_it_prints(tmp_path: Path) -> None:
    process = _ui(tmp_path, "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("dagwell ui: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert port != 0, url
        # (bound and listening before the line is printed: the request waits in its backlog)
        with urllib.request.urlopen(url, timeout=60) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
