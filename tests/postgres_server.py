"""A real, throwaway PostgreSQL server for the store tests.

PostgreSQL refuses to run as root, so when the tests run as root (CI) the server runs as
the ``postgres`` user, in a temporary directory that user owns. Port and socket are
private to the test session; the server is stopped at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.insert(0, out.stdout.strip())
    for bindir in candidates:
        if os.path.exists(os.path.join(bindir, "initdb")):
            return bindir
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    user: str
    bindir: str
    run_as: dict[str, int]

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        self.shut_down()
        shutil.rmtree(self.root, ignore_errors=True)

    def shut_down(self) -> None:
        """Stop the server, keeping its data: clients see it go away (an outage)."""
        self.process.send_signal(signal.SIGINT)  # "fast" shutdown: do not wait for clients
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def start_again(self) -> None:
        """Start the shut-down server again, on the same port, with the same data."""
        self.process = _serve(self.bindir, self.root, self.port, self.run_as)
        _wait_ready(self)


def start(bindir: str) -> PostgresServer:
    as_root = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="dagwell-pg-"))
    run_as: dict[str, int] = {}
    user = os.environ.get("USER", "postgres")
    if as_root:
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
        user = "postgres"
    data = root / "data"
    subprocess.run(
        [
            f"{bindir}/initdb",
            "-D",
            str(data),
            "-U",
            user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        cwd=root,
        **run_as,
    )  # type: ignore[call-overload]
    port = _free_port()
    server = PostgresServer(root, port, _serve(bindir, root, port, run_as), user, bindir, run_as)
    _wait_ready(server)
    return server


def _serve(bindir: str, root: Path, port: int, run_as: dict[str, int]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            f"{bindir}/postgres",
            "-D",
            str(root / "data"),
            "-p",
            str(port),
            "-k",
            str(root),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "server.log", "ab"),
        cwd=root,
        **run_as,  # type: ignore[call-overload]
    )


def _wait_ready(server: PostgresServer) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        ready = subprocess.run(
            [f"{server.bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(server.port)],
            capture_output=True,
        )
        if ready.returncode == 0:
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    log = (server.root / "server.log").read_text(errors="replace")
    server.process.kill()
    raise RuntimeError(f"PostgreSQL did not start:\n{log}")
