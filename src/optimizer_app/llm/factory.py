"""Build the configured LLM provider from the settings, and probe its server."""

from __future__ import annotations

import openai

from ..settings import Settings
from .base import LLMProvider
from .offline import OfflineProvider
from .openai_provider import OpenAIProvider, output_limit_param
from .probe import Capabilities, known, probe

# OpenAI-compatible local servers (vLLM, llama.cpp, Ollama) ignore the key, but the SDK
# requires one.
PLACEHOLDER_API_KEY = "sandbox"


def build_provider(settings: Settings) -> LLMProvider:
    kind = settings.resolved_llm_provider
    if kind == "openai":
        if not settings.openai_api_key and not settings.openai_base_url:
            raise ValueError("LLM_PROVIDER=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a compatible server.")
        provider = OpenAIProvider(
            api_key=settings.openai_api_key or PLACEHOLDER_API_KEY,
            base_url=settings.openai_base_url or None,
            model=settings.openai_model,
            timeout=settings.llm_timeout_seconds,
            timeout_floor=settings.llm_timeout_floor_seconds,
            temperature=settings.llm_temperature,
            max_in_flight=settings.llm_max_in_flight,
        )
        if capabilities := known(settings.openai_base_url, settings.openai_model):
            provider.adopt(capabilities)
        return provider
    if kind == "offline":
        return OfflineProvider()
    raise ValueError(f"Unknown LLM_PROVIDER {kind!r}; expected 'openai' or 'offline'.")


async def probe_server(settings: Settings) -> Capabilities:
    """Probe the server the settings name (LLM_PROVIDER=openai or a key or base URL set)."""
    if settings.resolved_llm_provider != "openai":
        raise ValueError("no LLM server is configured: set OPENAI_BASE_URL (or OPENAI_API_KEY for OpenAI)")
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or PLACEHOLDER_API_KEY,
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
    )
    try:
        return await probe(
            client,
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            limit_param=output_limit_param(settings.openai_base_url),
        )
    finally:
        await client.close()
