"""Build the configured LLM provider from the settings."""

from __future__ import annotations

from ..settings import Settings
from .base import LLMProvider
from .offline import OfflineProvider
from .openai_provider import OpenAIProvider

# OpenAI-compatible local servers (vLLM, llama.cpp, Ollama) ignore the key, but the SDK
# requires one.
PLACEHOLDER_API_KEY = "sandbox"


def build_provider(settings: Settings) -> LLMProvider:
    kind = settings.resolved_llm_provider
    if kind == "openai":
        if not settings.openai_api_key and not settings.openai_base_url:
            raise ValueError("LLM_PROVIDER=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a compatible server.")
        return OpenAIProvider(
            api_key=settings.openai_api_key or PLACEHOLDER_API_KEY,
            base_url=settings.openai_base_url or None,
            model=settings.openai_model,
            timeout=settings.llm_timeout_seconds,
            timeout_floor=settings.llm_timeout_floor_seconds,
            temperature=settings.llm_temperature,
            max_in_flight=settings.llm_max_in_flight,
        )
    if kind == "offline":
        return OfflineProvider()
    raise ValueError(f"Unknown LLM_PROVIDER {kind!r}; expected 'openai' or 'offline'.")
