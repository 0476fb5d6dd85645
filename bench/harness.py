"""What every scenario needs beside the test data builders of tests/factories.py: a fresh migrated
database, servers in their own processes, and waiting for a job to finish."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from optimizer_app.llm.base import Generation, GenerationRequest, LLMProvider, Usage
from tests.factories import drop_database, migrated_database

ROOT = Path(__file__).resolve().parents[1]
# The embedded server's data when DATABASE_URL is not set (tests.factories.admin_database).
DATA_DIR = ROOT / ".pgdata-bench"


def write_result(result: dict[str, Any], prefix: str = "") -> Path:
    """The run's result as bench/results/<prefix><date>-<time>.json; says where it went."""
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / time.strftime(f"{prefix}%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {path.relative_to(ROOT)}")
    return path


@asynccontextmanager
async def fresh_database(base_url: str) -> AsyncIterator[str]:
    name = f"optimizer_bench_{uuid.uuid4().hex[:10]}"
    url = await migrated_database(base_url, name)
    try:
        yield url
    finally:
        await drop_database(base_url, name)


async def wait_finished(conn: asyncpg.Connection, job_id: int, *, timeout: float = 900, poll: float = 0.05) -> float:
    """Seconds until the job finished, measured from the call."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if await conn.fetchval("SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", job_id):
            return time.perf_counter() - started
        await asyncio.sleep(poll)
    raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


class InstantProvider:
    """A zero-latency in-process LLM: the queue, not the model, is what is measured."""

    name = "instant"

    async def generate(self, request: GenerationRequest) -> Generation:
        return Generation(
            values={a: f"Improved {a.value} for {request.product.id}" for a in request.attributes},
            usage=Usage(calls=1),
            model="instant",
        )

    async def aclose(self) -> None:
        return None


class LoggedCalls:
    """A provider that writes the wall-clock time and product of each call to a file as it starts:
    how the pickup scenario sees, from another process, when a job reached the LLM."""

    def __init__(self, inner: LLMProvider, path: str) -> None:
        self.inner = inner
        self.name = inner.name
        self._log = open(path, "a", buffering=1)  # noqa: SIM115 - open for the provider's life

    async def generate(self, request: GenerationRequest) -> Generation:
        self._log.write(f"{time.time():.6f} {request.product.id}\n")
        return await self.inner.generate(request)

    async def aclose(self) -> None:
        self._log.close()
        await self.inner.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(
    args: list[str],
    env: dict[str, str],
    ready_url: str | None = None,
    *,
    log: Path | None = None,
    ready_seconds: float = 30,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process (its output discarded, or written to `log`), waited for when `ready_url` is
    given, always stopped."""
    with open(log or os.devnull, "wb") as out:
        child = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        if ready_url:
            deadline = time.monotonic() + ready_seconds
            while time.monotonic() < deadline and child.poll() is None:
                try:
                    httpx.get(ready_url, timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise RuntimeError(f"{args} did not start" + (f": see {log}" if log else ""))
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def web_process(
    database_url: str, port: int, secret: str, **settings: str
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """`optimizer-app serve` on `port`, once it answers /health: development mode, sessions signed
    with `secret`, a stand-in Wix app, and `settings` as further environment variables."""
    env = {
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SECRET_KEY": secret,
        "WIX_APP_ID": "bench",
        "WIX_APP_SECRET": "bench",
        **settings,
    }
    serve = [sys.executable, "-m", "optimizer_app.cli", "serve"]
    return process(serve, env, ready_url=f"http://127.0.0.1:{port}/health")


@contextmanager
def llm_sandbox(nice: int = 0, /, **config: object) -> Iterator[str]:
    """The sandbox LLM server in its own process; yields its base URL (…/v1 is the API). `nice`
    (the first argument): its CPU priority lowered by that much, where it stands for a provider on
    other machines and what is measured is this machine's own processes beside it."""
    port = free_port()
    args = [
        *(["nice", "-n", str(nice)] if nice else []),
        sys.executable, "-m", "uvicorn", "--factory", "optimizer_sandbox.llm:create_llm_sandbox",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with process(args, {}, ready_url=f"{url}/_sandbox/stats"):
        if config:
            httpx.post(f"{url}/_sandbox/config", json=config).raise_for_status()
        yield url


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_pids(conn: asyncpg.Connection, application_name: str) -> list[int]:
    """The server processes serving the connections that named themselves `application_name`."""
    rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE application_name = $1", application_name)
    return [r["pid"] for r in rows]
