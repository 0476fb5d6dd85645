"""`make llm-check`'s run against the sandbox LLM instead of llama.cpp's server: a web and a worker
process, the Wix sandbox store, a job with every field, and the table's checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

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
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"latency_seconds": 3}).raise_for_status()
    run = await run_job(admin_database_url, llm_sandbox.url, "gpt-4o-mini", QUICK, tmp_path, products=2, deadline=1)
    report = report_of(run, [], products=2)
    assert run.gave_up and run.job["status"] == "CANCELED"
    assert report.failures == ["no end within the deadline: the job was cancelled"]
    # The product in flight at the cancel may still have been answered; the rest is refunded.
    canceled = [i for i in run.items if i["status"] == "CANCELED"]
    assert len(canceled) >= 4 and all(i["status"] in ("DONE", "CANCELED") for i in run.items)
    assert (run.ledger.charged, run.ledger.refunded) == (8, len(canceled))


async def test_the_pass_through_notes_an_answer_the_caller_no_longer_waited_for(llm_sandbox: LoopbackServer) -> None:
    counter = CallCounter(llm_sandbox.url)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Fields to write: title"}]}
    with LoopbackServer(counter.app) as proxy:
        async with httpx.AsyncClient(base_url=proxy.url, headers={"Authorization": "Bearer sandbox"}) as client:
            assert (await client.post("/v1/chat/completions", json=body)).status_code == 200
            httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"latency_seconds": 2}).raise_for_status()
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/v1/chat/completions", json=body, timeout=0.2)
            for _ in range(200):  # the late answer arrives about two seconds after the call
                if len(counter.snapshot()) == 2:
                    break
                await asyncio.sleep(0.05)
    assert [(c.status, c.abandoned) for c in counter.snapshot()] == [(200, False), (200, True)]
