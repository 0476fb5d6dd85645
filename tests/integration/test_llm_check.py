"""The capability probe against the sandbox LLM's two profiles, `optimizer-app llm-check` as a real
process, and a worker's provider starting from what it kept."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import openai
import pytest

from optimizer_app import db, llm_servers
from optimizer_app.llm.factory import build_provider
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.llm.probe import Capabilities, probe, remember
from optimizer_app.settings import Settings
from optimizer_sandbox.llm import LLMSandbox, LLMSandboxConfig
from optimizer_sandbox.runner import LoopbackServer


@pytest.fixture
def llama() -> Iterator[str]:
    # 256 tokens (a title's budget, which JSON mode runs on to) take 0.26 s.
    sandbox = LLMSandbox(LLMSandboxConfig(profile="llama.cpp", seconds_per_token=0.001, models=["gemma-3-1b"]))
    with LoopbackServer(sandbox.app()) as server:
        yield server.url


@pytest.fixture
def openai_like() -> Iterator[str]:
    with LoopbackServer(LLMSandbox(LLMSandboxConfig(latency_seconds=0.2)).app()) as server:
        yield server.url


async def probed(url: str, model: str) -> Capabilities:
    client = openai.AsyncOpenAI(api_key="none", base_url=f"{url}/v1", max_retries=0, timeout=30)
    try:
        return await probe(client, base_url=f"{url}/v1", model=model, limit_param="max_tokens")
    finally:
        await client.close()


async def test_a_llama_cpp_server_is_found_to_serve_one_request_at_a_time_in_json_mode(llama: str) -> None:
    found = await probed(llama, "gemma-3-1b")
    assert found.models == ("gemma-3-1b",)
    assert found.modes == ("json_object", "text")
    assert found.limit_param == "max_tokens"
    assert found.one_at_a_time
    assert found.latency_seconds is not None and found.latency_seconds >= 0.25
    advice = "\n".join(found.advice(max_in_flight=64, timeout_seconds=60))
    assert "one request at a time: set LLM_MAX_IN_FLIGHT=1" in advice
    assert "JSON mode only" in advice


async def test_an_openai_like_server_takes_schemas_a_limit_and_several_requests(openai_like: str) -> None:
    found = await probed(openai_like, "gpt-4o-mini")
    assert found.modes == ("json_schema", "json_object", "text")
    assert found.limit_param == "max_tokens"
    assert not found.one_at_a_time
    advice = "\n".join(found.advice(max_in_flight=64, timeout_seconds=60))
    assert "LLM_MAX_IN_FLIGHT=1" not in advice


async def test_llm_check_prints_what_to_set_and_the_workers_start_from_it(llama: str, database_url: str) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "OPENAI_BASE_URL": f"{llama}/v1",
        "OPENAI_MODEL": "gemma-3-1b",
    }
    # The timeout only stops a process that would otherwise run on.
    done = subprocess.run(
        [sys.executable, "-m", "optimizer_app.cli", "llm-check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "set LLM_MAX_IN_FLIGHT=1" in done.stdout
    assert "sent as max_tokens" in done.stdout

    connection = await db.connect(database_url)
    try:
        kept = await llm_servers.find(connection, f"{llama}/v1", "gemma-3-1b")
    finally:
        await connection.close()
    assert kept is not None and kept.one_at_a_time
    remember(kept)
    provider = build_provider(replace(Settings(), openai_base_url=f"{llama}/v1", openai_model="gemma-3-1b"))
    try:
        assert isinstance(provider, OpenAIProvider)
        assert (provider.mode, provider.in_flight.current) == ("json_object", 1)
    finally:
        await provider.aclose()
