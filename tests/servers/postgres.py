"""A private PostgreSQL cluster for the store tests: own data dir, own port, 127.0.0.1 only.

`initdb` makes a throw-away cluster in a temp dir, `pg_ctl -w` starts it listening on
127.0.0.1 at a free port with its unix socket in that temp dir (never /var/run/postgresql),
trust auth and fsync=off. Nothing of a system PostgreSQL (clusters, config, sockets) is used,
so the tests can run beside one. As root the server runs as the `postgres` system user
(Debian's package creates it) or else `nobody`: initdb and postgres refuse to run as root.

pg_ctl daemonizes the postmaster, so a parent-death signal cannot reach it; instead a small
guard process (own session, stdin = a pipe from this process) stops the server and removes
the temp dir when that pipe closes, i.e. also when the test process is killed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Self

from . import LOOPBACK, free_port

BINARY_GLOB = "/usr/lib/postgresql/*/bin"  # Debian/Ubuntu: one dir per major version
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "bcy"
DATABASE = "bcy_test"
INITDB_TIMEOUT = 120.0
START_TIMEOUT = 30  # seconds, pg_ctl -t
STOP_TIMEOUT = 20  # seconds, pg_ctl -t
GUARD_EXIT_TIMEOUT = 40.0
UNPRIVILEGED_USERS = ("postgres", "nobody")

# Runs in its own session; returns from read() at EOF: the test process closed the pipe or died.
_GUARD = r"""
import json, shutil, subprocess, sys
spec = json.loads(sys.argv[1])
try:
    sys.stdin.buffer.read()
except BaseException:
    pass
try:
    subprocess.run(spec["stop"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=spec["root"], timeout=30, **spec["as_user"])
except Exception:
    pass
shutil.rmtree(spec["root"], ignore_errors=True)
"""


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed here, or the private cluster would not start."""


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def _complete(bindir: str | Path) -> bool:
    return all(os.access(Path(bindir, name), os.X_OK) for name in REQUIRED_BINARIES)


def find_pg_bindir() -> Path:
    """The directory with initdb, pg_ctl and postgres: BCY_PG_BINDIR if set (e.g. to test the
    missing case), else the newest /usr/lib/postgresql/<ver>/bin, else `initdb` on PATH."""
    override = os.environ.get("BCY_PG_BINDIR")
    if override:
        candidates = [override]
    else:
        candidates = sorted(glob.glob(BINARY_GLOB), key=_version_key, reverse=True)
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(str(Path(on_path).resolve().parent))
    for candidate in candidates:
        if _complete(candidate):
            return Path(candidate)
    where = f"BCY_PG_BINDIR={override}" if override else f"{BINARY_GLOB} or PATH"
    raise PostgresUnavailable(
        f"PostgreSQL server binaries ({', '.join(REQUIRED_BINARIES)}) not found in {where}. "
        "Install them with: apt-get install -y postgresql "
        "(scripts/test.sh does this when run as root)."
    )


def _server_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        f"running as root, but none of the users {UNPRIVILEGED_USERS} exists to run "
        "PostgreSQL (initdb and postgres refuse to run as root)"
    )


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class Postgres:
    """One private cluster: `initdb`, then `pg_ctl start -w`; `url` once started."""

    host = LOOPBACK

    def __init__(self, root: Path | None = None, bindir: Path | None = None) -> None:
        self.bindir = Path(bindir) if bindir else find_pg_bindir()
        self.account = _server_account()
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="bcy-postgres-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "run"
        self.log_file = self.root / "postgres.log"
        self.tool_log = self.root / "tools.log"  # initdb / pg_ctl output
        self.port = free_port()
        self.user = SUPERUSER
        self.database = DATABASE
        self.initdb_seconds = 0.0
        self.start_seconds = 0.0
        self._started = False
        self._guard: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.database}"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if self.account is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
            self.root.chmod(0o700)
        self._start_guard()
        began = time.monotonic()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        self.initdb_seconds = time.monotonic() - began
        began = time.monotonic()
        self._started = True  # from here on stop() must try, even if the start fails
        self._run(
            [self._bin("pg_ctl"), "start", "-D", str(self.data_dir), "-l", str(self.log_file),
             "-w", "-t", str(START_TIMEOUT)],
            timeout=START_TIMEOUT + 15, what="pg_ctl start",
        )
        self._create_database()
        self.start_seconds = time.monotonic() - began

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        pg_ctl = [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-w",
                  "-t", str(STOP_TIMEOUT)]
        try:
            self._run([*pg_ctl, "-m", "fast"], timeout=STOP_TIMEOUT + 10, what="pg_ctl stop")
        except PostgresUnavailable:
            # the guard tries once more; the log is about to be deleted anyway
            with contextlib.suppress(PostgresUnavailable):
                self._run([*pg_ctl, "-m", "immediate"], timeout=STOP_TIMEOUT + 10,
                          what="pg_ctl stop -m immediate")

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self._stop_guard()

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def diagnostics(self) -> str:
        parts = []
        for path in (self.tool_log, self.log_file):
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts) or "(no output)"

    # -- internals -------------------------------------------------------------------------

    def _bin(self, name: str) -> str:
        return str(self.bindir / name)

    def _as_user(self) -> dict[str, Any]:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(HOME=str(self.root), LC_ALL="C", TZ="UTC")
        return env

    def _run(self, command: list[str], timeout: float, what: str) -> None:
        """Run a server tool as the server account, output to tools.log (a file, not a pipe:
        the daemonized postmaster must not hold a pipe we wait on)."""
        with open(self.tool_log, "ab") as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            try:
                result = subprocess.run(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root,
                    env=self._env(), timeout=timeout, check=False, **self._as_user(),
                )
            except subprocess.TimeoutExpired:
                raise PostgresUnavailable(
                    f"{what} did not finish in {timeout:.0f}s:\n{self.diagnostics()}"
                ) from None
            except OSError as error:
                raise PostgresUnavailable(f"{what} could not run: {error}") from error
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{what} failed (exit {result.returncode}):\n{self.diagnostics()}"
            )

    def _initdb(self) -> None:
        self._run(
            [self._bin("initdb"), "-D", str(self.data_dir), "-U", self.user, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            timeout=INITDB_TIMEOUT, what="initdb",
        )
        # Only loopback TCP and our own socket; trust is fine for a throw-away test cluster.
        (self.data_dir / "pg_hba.conf").write_text(
            "# Private test cluster written by tests/servers/postgres.py\n"
            "local all all trust\n"
            f"host  all all {LOOPBACK}/32 trust\n"
        )
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# Private test cluster written by tests/servers/postgres.py\n"
                f"listen_addresses = {_conf_string(LOOPBACK)}\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = {_conf_string(str(self.socket_dir))}\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "logging_collector = off\n"
            )
        if self.account is not None:  # the files above were written by root
            for name in ("pg_hba.conf", "postgresql.conf"):
                os.chown(self.data_dir / name, self.account.pw_uid, self.account.pw_gid)

    def _create_database(self) -> None:
        try:
            import psycopg
        except ImportError as error:
            raise PostgresUnavailable(
                f"psycopg is not importable ({error}); pip install -e '.[test]'"
            ) from error
        try:
            with psycopg.connect(
                host=self.host, port=self.port, user=self.user, dbname="postgres",
                autocommit=True, connect_timeout=10,
            ) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
        except psycopg.Error as error:
            raise PostgresUnavailable(
                f"CREATE DATABASE failed: {error}\n{self.diagnostics()}"
            ) from error

    def _start_guard(self) -> None:
        spec = {
            "root": str(self.root),
            "stop": [self._bin("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate",
                     "-w", "-t", str(STOP_TIMEOUT)],
            "as_user": self._as_user(),
        }
        self._guard = subprocess.Popen(
            [sys.executable, "-c", _GUARD, json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self._env(), start_new_session=True,  # not hit by signals to our group
        )

    def _stop_guard(self) -> None:
        guard, self._guard = self._guard, None
        if guard is None:
            return
        stdin: IO[bytes] | None = guard.stdin
        if stdin is not None:
            stdin.close()  # EOF: the guard's pg_ctl stop finds nothing to stop, rmtree is a no-op
        try:
            guard.wait(timeout=GUARD_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait(timeout=5)
