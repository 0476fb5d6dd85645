"""The worker against a server that behaves like llama.cpp's on a small machine (the sandbox LLM's
`llama.cpp` profile): one request at a time, work that goes on after the client leaves,
`max_completion_tokens` ignored, `json_schema` refused with a 500, JSON mode that runs on to the
output limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.llm.base import GenerationRequest
from optimizer_app.llm.budget import output_token_budget
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.worker import Worker
from optimizer_sandbox.llama_cpp import JSON_SCHEMA_REFUSAL
from optimizer_sandbox.llm import LLMSandbox, LLMSandboxConfig
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced, enqueue, new_store, products, quick_worker_config, wait_for_job

CONTEXT = 4096


@pytest.fixture
def llama() -> Iterator[tuple[LLMSandbox, str]]:
    sandbox = LLMSandbox(LLMSandboxConfig(profile="llama.cpp", context_tokens=CONTEXT))
    with LoopbackServer(sandbox.app()) as server:
        yield sandbox, server.url


def chat(url: str, **body: object) -> httpx.Response:
    messages = [{"role": "user", "content": 'Fields to write: title\n<<<PRODUCT_DATA\n{"title": "mug"}'}]
    return httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": "gemma-3-1b-it-q4_0.gguf", "messages": messages, **body},
        headers={"Authorization": "Bearer none"},
        timeout=30,
    )


def test_the_profile_answers_like_llama_cpp(llama: tuple[LLMSandbox, str]) -> None:
    _, url = llama
    refused = chat(url, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {}}})
    assert refused.status_code == 500
    assert refused.json()["error"]["message"] == JSON_SCHEMA_REFUSAL

    unbounded = chat(url, response_format={"type": "json_object"}, max_completion_tokens=100)
    choice, usage = unbounded.json()["choices"][0], unbounded.json()["usage"]
    assert choice["finish_reason"] == "length"
    assert usage["completion_tokens"] == CONTEXT - usage["prompt_tokens"]  # the unknown limit was ignored

    bounded = chat(url, response_format={"type": "json_object"}, max_tokens=100, some_new_option=True)
    choice = bounded.json()["choices"][0]
    assert (choice["finish_reason"], bounded.json()["usage"]["completion_tokens"]) == ("length", 100)
    assert set(json.loads(choice["message"]["content"])) == {"title"}  # the object, then whitespace

    plain = chat(url, max_tokens=100)
    assert plain.json()["choices"][0]["finish_reason"] == "stop"
    assert "x-ratelimit-limit-requests" not in plain.headers


async def test_a_client_that_gives_up_does_not_free_the_slot(llama: tuple[LLMSandbox, str]) -> None:
    sandbox, url = llama
    sandbox.config.seconds_per_token = 0.02  # 100 tokens: 2 s
    async with httpx.AsyncClient(timeout=0.3) as client:
        with pytest.raises(httpx.TimeoutException):
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100}
            await client.post(
                f"{url}/v1/chat/completions",
                json={**body, "response_format": {"type": "json_object"}},
                headers={"Authorization": "Bearer none"},
            )
    sandbox.config.seconds_per_token = 0.0
    second = await asyncio.to_thread(chat, url, max_tokens=10)
    assert second.status_code == 200
    assert sandbox.stats.queued == 1  # it waited for the abandoned answer to finish


async def test_the_provider_sends_a_limit_llama_cpp_reads_and_keeps_a_run_on_json_answer(
    llama: tuple[LLMSandbox, str],
) -> None:
    sandbox, url = llama
    provider = OpenAIProvider(api_key="none", base_url=f"{url}/v1", model="gemma")
    try:
        generation = await provider.generate(
            GenerationRequest(product=products(1)[0], attributes=(Attribute.TITLE, Attribute.SEO_TITLE), language="en")
        )
    finally:
        await provider.aclose()
    assert set(generation.values) == {Attribute.TITLE, Attribute.SEO_TITLE}
    assert provider.mode == "json_object"  # json_schema's 500 moved it down, and was no overload
    assert provider.in_flight.epoch == 0
    # Ran on to the budget sent as max_tokens, not to the end of the context.
    assert sandbox.stats.completion_tokens == output_token_budget([Attribute.TITLE, Attribute.SEO_TITLE])


async def test_a_twenty_product_job_finishes_against_a_one_at_a_time_server(
    pool: asyncpg.Pool, llama: tuple[LLMSandbox, str]
) -> None:
    sandbox, url = llama
    # ≈ 0.4 s per answer: 4 fields run on to their budget of 3,900 tokens.
    sandbox.config.seconds_per_token = 0.0001
    sandbox.config.context_tokens = 8192
    # Three answers come back with the title unchanged: nothing to improve there, and refunded.
    sandbox.config.faults = ["unchanged"] * 3
    store = await new_store(pool, granted=80)
    job = await enqueue(pool, store.id, products(20))
    provider = OpenAIProvider(api_key="none", base_url=f"{url}/v1", model="gemma", max_in_flight=8)
    stop = asyncio.Event()
    worker = Worker(pool, provider, quick_worker_config(concurrency=64, max_attempts=1))
    task = asyncio.create_task(worker.run(stop))
    try:
        row = await wait_for_job(pool, job.job_id, timeout=120)
    finally:
        stop.set()
        await task
        await provider.aclose()

    assert (row["status"], row["items_done"], row["items_no_change"], row["items_failed"]) == ("DONE", 80, 3, 0)
    assert row["credits_refunded"] == 3
    async with pool.acquire() as conn:
        kept = await conn.fetch(
            "SELECT attribute, before_value = after_value AS same FROM job_items"
            " WHERE job_id = $1 AND review_state = 'NO_CHANGE'",
            job.job_id,
        )
    assert [(r["attribute"], r["same"]) for r in kept] == [("title", True)] * 3
    await assert_ledger_balanced(pool, store.id)
    assert provider.in_flight.current == 1
    assert sandbox.stats.answered_5xx == 1  # the json_schema probe, once
    assert sandbox.stats.calls == 21
    # Requests waited at the server only while the limit came down from slow start's 4 (21 calls).
    assert sandbox.stats.peak_open_requests <= 4
    assert sandbox.stats.queued <= 8
