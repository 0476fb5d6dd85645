"""What a job's LLM calls spent, per item and per job, and a small model's partial answers: the
worker against the sandbox LLM through the real openai SDK, on real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from optimizer_app import jobs
from optimizer_app.domain.attributes import Attribute
from optimizer_app.llm.pricing import DEFAULT_PRICES
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import (
    assert_ledger_balanced,
    enqueue,
    new_store,
    products,
)
from tests.integration.conftest import Drain

FIELDS = (Attribute.TITLE, Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)


def _counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_tokens_and_cost_are_recorded_per_item_and_per_job(
    pool: asyncpg.Pool, llm_sandbox: LoopbackServer, drain: Drain
) -> None:
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(3), FIELDS)
    tokens_before = _counter("optimizer_llm_tokens_total", model="gpt-4o-mini", kind="completion")
    cost_before = _counter("optimizer_llm_cost_usd_total", model="gpt-4o-mini")

    await drain(job.job_id)

    stats = httpx.get(f"{llm_sandbox.url}/_sandbox/stats").json()
    async with pool.acquire() as conn:
        job_json = await jobs.get_job(conn, store_id=store.id, job_id=job.job_id)
        items = await jobs.list_items(conn, store_id=store.id, job_id=job.job_id, status=None, after_id=0, limit=50)
    assert job_json["counts"]["done"] == 9
    usage = job_json["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (stats["prompt_tokens"], stats["completion_tokens"])
    price = DEFAULT_PRICES["gpt-4o-mini"]
    expected = price.cost(stats["prompt_tokens"], stats["completion_tokens"])
    assert Decimal(str(usage["cost_usd"])) == expected.quantize(Decimal("1e-8"))
    assert {i["model"] for i in items} == {"gpt-4o-mini"}
    assert all(i["usage"]["prompt_tokens"] > 0 and i["usage"]["completion_tokens"] > 0 for i in items)
    assert sum(i["usage"]["prompt_tokens"] for i in items) == usage["prompt_tokens"]
    assert sum(i["usage"]["completion_tokens"] for i in items) == usage["completion_tokens"]
    # The three fields of one product split their call's tokens.
    by_product: dict[str, set[int]] = {}
    for i in items:
        by_product.setdefault(i["product_id"], set()).add(i["usage"]["prompt_tokens"])
    assert all(max(shares) - min(shares) <= 1 for shares in by_product.values())

    tokens_after = _counter("optimizer_llm_tokens_total", model="gpt-4o-mini", kind="completion")
    assert tokens_after - tokens_before == stats["completion_tokens"]
    assert _counter("optimizer_llm_cost_usd_total", model="gpt-4o-mini") - cost_before == pytest.approx(float(expected))


async def test_a_field_left_out_of_a_fenced_answer_is_asked_again_alone_at_no_credit(
    pool: asyncpg.Pool, llm_sandbox: LoopbackServer, drain: Drain
) -> None:
    """A small model without structured output: prose around a ```json fence, one field missing.
    The fields that came back are kept; only the missing one is asked again, spending tokens but
    no further credit."""
    sandbox = f"{llm_sandbox.url}/_sandbox/config"
    httpx.post(sandbox, json={"supports_json_schema": False, "supports_json_object": False}).raise_for_status()
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(1), FIELDS)
    # The probe spends a call per refused mode; the first answer that reaches us lacks a field.
    httpx.post(sandbox, json={"faults": ["missing_field"]}).raise_for_status()

    row = await drain(job.job_id)

    assert (row["status"], row["items_done"], row["items_failed"]) == ("DONE", 3, 0)
    assert (row["credits_charged"], row["credits_refunded"]) == (3, 0)
    async with pool.acquire() as conn:
        items = {
            r["attribute"]: r
            for r in await conn.fetch(
                "SELECT attribute, attempts, prompt_tokens, reason FROM job_items WHERE job_id = $1", job.job_id
            )
        }
        charges = await conn.fetchval("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND delta < 0", job.job_id)
    assert {a: r["attempts"] for a, r in items.items()} == {"title": 1, "seo_title": 1, "seo_description": 2}
    assert items["seo_description"]["prompt_tokens"] > items["title"]["prompt_tokens"]
    assert charges == 1
    stats = httpx.get(f"{llm_sandbox.url}/_sandbox/stats").json()
    assert stats["by_mode"]["text"] == 2
    await assert_ledger_balanced(pool, store.id)


async def test_metrics_of_the_web_process_count_what_the_jobs_spent(
    pool: asyncpg.Pool, settings: Settings, drain: Drain
) -> None:
    """The worker counts in its own process; /metrics on the web reads the jobs' sums."""
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(2), FIELDS)
    row = await drain(job.job_id)
    with LoopbackServer(create_app(settings)) as web:
        text = httpx.get(f"{web.url}/metrics").text
    samples = {
        (s.name, s.labels.get("kind")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("optimizer_job_llm_tokens_total", "prompt")] == row["prompt_tokens"] > 0
    assert samples[("optimizer_job_llm_tokens_total", "completion")] == row["completion_tokens"] > 0
    assert samples[("optimizer_job_llm_cost_usd_total", None)] == pytest.approx(float(row["cost_usd"]))
