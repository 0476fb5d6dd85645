"""build_provider: which LLM provider the settings choose, and the settings it refuses."""

from __future__ import annotations

import pytest

from optimizer_app.llm.factory import build_provider
from optimizer_app.llm.fallback import FallbackProvider
from optimizer_app.llm.offline import OfflineProvider
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.settings import Settings


class TestFactory:
    async def test_offline_when_nothing_is_configured(self) -> None:
        assert isinstance(build_provider(Settings()), OfflineProvider)

    async def test_openai_for_a_base_url_without_a_key(self) -> None:
        provider = build_provider(Settings(openai_base_url="http://127.0.0.1:1/v1", openai_model="local"))
        assert isinstance(provider, OpenAIProvider)
        assert provider.model == "local"
        await provider.aclose()

    def test_unknown_provider_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown LLM_PROVIDER 'claude'"):
            build_provider(Settings(llm_provider="claude"))

    def test_openai_without_key_or_url_is_refused(self) -> None:
        with pytest.raises(ValueError, match="OPENAI_API_KEY"):
            build_provider(Settings(llm_provider="openai"))

    async def test_a_fallback_provider_stands_behind_the_primary(self) -> None:
        provider = build_provider(
            Settings(
                openai_base_url="http://127.0.0.1:1/v1",
                openai_model="local",
                llm_fallback_provider="openai",
                llm_fallback_base_url="http://127.0.0.1:2/v1",
                llm_breaker_failures=3,
            )
        )
        assert isinstance(provider, FallbackProvider)
        assert isinstance(provider.fallback, OpenAIProvider)
        assert provider.fallback.model == "local"
        assert provider.breaker.failures == 3
        await provider.aclose()

    def test_a_fallback_without_key_or_url_is_refused(self) -> None:
        with pytest.raises(ValueError, match="LLM_FALLBACK_PROVIDER=openai needs LLM_FALLBACK_API_KEY"):
            build_provider(Settings(llm_fallback_provider="openai"))
