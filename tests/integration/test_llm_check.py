"""`make llm-check`'s run against the sandbox LLM instead of llama.cpp's server: a web and a worker
process, the Wix sandbox store, a job with every field, and the table's checks."""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.llm_check import report_of, run_job
from bench.llm_counter import CallCounter
from optimizer_sandbox.runner import LoopbackServer

QUICK = {"WORKER_CONCURRENCY": "1", "WORKER_RETRY_BASE_SECONDS": "0", "WORKER_SHUTDOWN_GRACE_SECONDS": "0"}


async def test_a_refused_product_is_reported_with_its_reason_and_refunded(
    admin_database_url: str, llm_sandbox: LoopbackServer, tmp_path: Path
) -> None:
    # The first call is refused for good (401): that product's four fields fail and come back as credits.
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"faults": ["401"]}).raise_for_status()
    counter = CallCounter(llm_sandbox.url)
    with LoopbackServer(counter.app) as proxy:
        run = await run_job(admin_database_url, proxy.url, "gpt-4o-mini", QUICK, tmp_path, products=3, deadline=120)
    report = report_of(run, counter.snapshot(), products=3)
    rows = dict(report.rows)
    assert report.passed, report.text()
    assert rows["fields done"] == "8 of 12 (description 2, seo_description 2, seo_title 2, title 2)"
    assert rows["refused: llm_refused"].startswith("4 — The AI service refused the request")
    assert rows["LLM calls"] == "3 (1.0 per product); HTTP 200 × 2, 401 × 1"
    assert rows["requests sent"].startswith("max_")
    assert (run.ledger.charged, run.ledger.refunded, run.ledger.balance - run.ledger.ledger_sum) == (12, 4, 0)
    assert (tmp_path / "worker.log").read_text()


async def test_a_job_past_the_deadline_is_cancelled_refunded_and_fails_the_check(
    admin_database_url: str, llm_sandbox: LoopbackServer, tmp_path: Path
) -> None:
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"latency_seconds": 30}).raise_for_status()
    run = await run_job(admin_database_url, llm_sandbox.url, "gpt-4o-mini", QUICK, tmp_path, products=2, deadline=1)
    report = report_of(run, [], products=2)
    assert run.gave_up and run.job["status"] == "CANCELED"
    assert report.failures == ["no end within the deadline: the job was cancelled"]
    assert dict(report.rows)["refused: canceled"] == "8"
    assert (run.ledger.charged, run.ledger.refunded) == (8, 8)
