"""A throwaway PostgreSQL cluster for the tests: ``initdb`` in a temporary directory,
served on a free loopback port by ``pg_ctl``, as the ``postgres`` system user when the
tests run as root (``initdb`` refuses root), and stopped and removed at the end."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Cluster", "binaries", "fresh_database", "throwaway_cluster"]

ENV_URL = "SMSMANAGER_TEST_POSTGRES_URL"


def binaries() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on the PATH, or the newest under
    /usr/lib/postgresql/*/bin (Debian's place, off the PATH)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A running cluster: its ``url``, and ``restart()`` for the tests that need one."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self._bin = bin_dir
        self._data = root / "data"
        self._log = root / "server.log"
        self._root = root
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._as, *command], check=True, stdout=subprocess.DEVNULL, timeout=120, cwd="/"
        )

    def create(self) -> None:
        self._run(
            str(self._bin / "initdb"), "-D", str(self._data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self._root} -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(self._data), "-l", str(self._log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop("immediate")
        self.start()


@contextmanager
def throwaway_cluster(bin_dir: Path) -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="smsmngr-pg-"))
    cluster = Cluster(bin_dir, root)
    try:
        cluster.create()
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str) -> str:
    """A new, empty database on the server of ``url``, and its URL."""
    import psycopg

    name = f"smsmngr_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"
