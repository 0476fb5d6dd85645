"""Build the configured LLM provider from the settings (the primary, and the fallback behind a
circuit breaker when `LLM_FALLBACK_PROVIDER` is set), and probe its server."""

from __future__ import annotations

import openai

from ..outbound import OutboundPolicy
from ..settings import Settings
from .base import LLMProvider
from .fallback import CircuitBreaker, FallbackProvider
from .images import ImageFetcher
from .offline import OfflineProvider
from .openai_provider import OpenAIProvider, output_limit_param
from .probe import Capabilities, known, probe

# OpenAI-compatible local servers (vLLM, llama.cpp, Ollama) ignore the key, but the SDK
# requires one.
PLACEHOLDER_API_KEY = "sandbox"


def build_provider(settings: Settings) -> LLMProvider:
    primary = _build(
        settings.resolved_llm_provider,
        settings,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        variables=("LLM_PROVIDER", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
    )
    if not settings.llm_fallback_provider:
        return primary
    fallback = _build(
        settings.llm_fallback_provider,
        settings,
        api_key=settings.llm_fallback_api_key,
        base_url=settings.llm_fallback_base_url,
        model=settings.llm_fallback_model or settings.openai_model,
        variables=("LLM_FALLBACK_PROVIDER", "LLM_FALLBACK_API_KEY", "LLM_FALLBACK_BASE_URL"),
    )
    breaker = CircuitBreaker(
        failures=settings.llm_breaker_failures, cooldown_seconds=settings.llm_breaker_cooldown_seconds
    )
    return FallbackProvider(primary, fallback, breaker)


def _build(
    kind: str, settings: Settings, *, api_key: str, base_url: str, model: str, variables: tuple[str, str, str]
) -> LLMProvider:
    choice, key, url = variables
    if kind == "openai":
        if not api_key and not base_url:
            raise ValueError(f"{choice}=openai needs {key}, or {url} for a compatible server.")
        provider = OpenAIProvider(
            api_key=api_key or PLACEHOLDER_API_KEY,
            base_url=base_url or None,
            model=model,
            timeout=settings.llm_timeout_seconds,
            timeout_floor=settings.llm_timeout_floor_seconds,
            temperature=settings.llm_temperature,
            max_in_flight=settings.llm_max_in_flight,
            images=ImageFetcher(OutboundPolicy.from_settings(settings)) if settings.llm_vision else None,
        )
        if capabilities := known(base_url, model):
            provider.adopt(capabilities)
        return provider
    if kind == "offline":
        return OfflineProvider()
    raise ValueError(f"Unknown {choice} {kind!r}; expected 'openai' or 'offline'.")


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
