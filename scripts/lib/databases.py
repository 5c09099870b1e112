"""Throwaway PostgreSQL and MariaDB servers on loopback, for the recorder tests.

    python scripts/lib/databases.py postgresql -- python -m pytest -m databases
    python scripts/lib/databases.py mariadb -- python -m pytest -m databases

Starts the server from Debian's packages (installed by scripts/setup) with a fresh data
directory in a temporary folder and a free port, runs the command with ``--dburl URL`` added,
then stops the server and deletes the folder. Exit code: the command's.
"""

# ruff: noqa: S603, T201 - starts Debian's servers and the given command; prints its usage

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# The database the test harness creates (and drops) for each test.
DATABASE = "homeassistant-test"


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server accepts connections (at most a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on {port}:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server: asked first, killed if it does not go within 30 s."""
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextlib.contextmanager
def serving(command: list[str], port: int, log: Path) -> Iterator[None]:
    """Run a server until the block ends: listening on ``port`` first, its output in ``log``."""
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, server, log)
            yield
        finally:
            stop(server)


def _as_user(user: str) -> list[str]:
    """Run as ``user`` when root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


@contextlib.contextmanager
def postgresql(folder: Path) -> Iterator[str]:
    """A PostgreSQL server; yields its URL."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (scripts/setup installs it)")
    bin_dir = Path(found[-1]).parent
    data, log, port = folder / "data", folder / "server.log", free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(
        [*_as_user("postgres"), str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    with serving(
        [*_as_user("postgres"), str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
         "-h", "127.0.0.1", "-k", str(folder), "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        port, log,
    ):  # fmt: skip
        yield f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"


@contextlib.contextmanager
def mariadb(folder: Path) -> Iterator[str]:
    """A MariaDB server; yields its URL."""
    install = shutil.which("mariadb-install-db")
    daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if install is None or not Path(daemon).exists():
        raise RuntimeError("MariaDB is not installed (scripts/setup installs it)")
    data, log, port = folder / "data", folder / "server.log", free_port()
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "")
    subprocess.run(
        [install, f"--datadir={data}", f"--user={user}", "--auth-root-authentication-method=normal",
         "--skip-test-db"],
        check=True, capture_output=True,
    )  # fmt: skip
    with serving(
        [daemon, "--no-defaults", f"--datadir={data}", f"--port={port}",
         "--bind-address=127.0.0.1", f"--socket={folder / 'mysqld.sock'}", f"--user={user}",
         "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin",
         "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
        port, log,
    ):  # fmt: skip
        yield f"mysql://root@127.0.0.1:{port}/{DATABASE}?charset=utf8mb4"


SERVERS = {"postgresql": postgresql, "mariadb": mariadb}


def _exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    """``KIND -- COMMAND…``: run the command against a fresh server of that kind."""
    if len(argv) < 3 or argv[0] not in SERVERS or argv[1] != "--":
        print(f"usage: databases.py {{{','.join(SERVERS)}}} -- COMMAND…", file=sys.stderr)
        return 2
    # Stopped from outside (scripts/test interrupted): still stop the server, delete the folder.
    signal.signal(signal.SIGTERM, _exit)
    with tempfile.TemporaryDirectory(prefix=f"wn-{argv[0]}-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)
        with SERVERS[argv[0]](folder) as url:
            return subprocess.run([*argv[2:], f"--dburl={url}"], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
