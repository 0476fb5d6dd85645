"""Build the configured LLM provider from the settings: the primary, and the fallback behind a
circuit breaker when `LLM_FALLBACK_PROVIDER` is set."""

from __future__ import annotations

from ..settings import Settings
from .base import LLMProvider
from .fallback import CircuitBreaker, FallbackProvider
from .offline import OfflineProvider
from .openai_provider import OpenAIProvider

# OpenAI-compatible local servers (vLLM, llama.cpp, Ollama) ignore the key, but the SDK
# requires one.
PLACEHOLDER_API_KEY = "sandbox"


def build_provider(settings: Settings) -> LLMProvider:
    primary = _build(
        settings.resolved_llm_provider,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        timeout=settings.llm_timeout_seconds,
        variables=("LLM_PROVIDER", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
    )
    if not settings.llm_fallback_provider:
        return primary
    fallback = _build(
        settings.llm_fallback_provider,
        api_key=settings.llm_fallback_api_key,
        base_url=settings.llm_fallback_base_url,
        model=settings.llm_fallback_model or settings.openai_model,
        timeout=settings.llm_timeout_seconds,
        variables=("LLM_FALLBACK_PROVIDER", "LLM_FALLBACK_API_KEY", "LLM_FALLBACK_BASE_URL"),
    )
    breaker = CircuitBreaker(
        failures=settings.llm_breaker_failures, cooldown_seconds=settings.llm_breaker_cooldown_seconds
    )
    return FallbackProvider(primary, fallback, breaker)


def _build(
    kind: str, *, api_key: str, base_url: str, model: str, timeout: float, variables: tuple[str, str, str]
) -> LLMProvider:
    choice, key, url = variables
    if kind == "openai":
        if not api_key and not base_url:
            raise ValueError(f"{choice}=openai needs {key}, or {url} for a compatible server.")
        return OpenAIProvider(
            api_key=api_key or PLACEHOLDER_API_KEY, base_url=base_url or None, model=model, timeout=timeout
        )
    if kind == "offline":
        return OfflineProvider()
    raise ValueError(f"Unknown {choice} {kind!r}; expected 'openai' or 'offline'.")
