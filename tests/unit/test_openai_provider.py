"""OpenAIProvider's reading of rate-limit and retry headers and messages, and the body it posts,
without a server."""

from __future__ import annotations

import copy

import pytest
from openai._utils import async_maybe_transform
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product, ProductImage
from optimizer_app.llm.base import GenerationRequest, Rewrite
from optimizer_app.llm.openai_provider import RateLimits, parse_reset_duration, parse_retry_after
from optimizer_app.llm.prompts import MODES, build_messages, image_keys, response_format
from optimizer_sandbox.llm import format_duration


class TestParsing:
    @pytest.mark.parametrize(
        ("value", "seconds"),
        [("6m0s", 360.0), ("12ms", 0.012), ("1s", 1.0), ("2.5s", 2.5), ("1m26.4s", 86.4),
         ("1h2m3s", 3723.0), ("0s", 0.0), ("1.5", 1.5), (" 20ms ", 0.02)],
    )  # fmt: skip
    def test_parse_reset_duration(self, value: str, seconds: float) -> None:
        assert parse_reset_duration(value) == pytest.approx(seconds)

    @pytest.mark.parametrize("value", [None, "", "soon", "5x", "ms"])
    def test_parse_reset_duration_refuses_nonsense(self, value: str | None) -> None:
        assert parse_reset_duration(value) is None

    def test_sandbox_durations_read_back(self) -> None:
        for seconds in (0.012, 1.2, 86.4, 360.0, 3723.0):
            assert parse_reset_duration(format_duration(seconds)) == pytest.approx(seconds, abs=0.001)

    def test_retry_after_prefers_milliseconds_then_seconds_then_the_message(self) -> None:
        assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
        assert parse_retry_after({"retry-after": "9"}, "Please try again in 4.2s.") == 9.0
        assert parse_retry_after({}, "Rate limit reached ... Please try again in 4.2s. Visit") == pytest.approx(4.2)
        assert parse_retry_after({}, "Please try again in 6m0s.") == 360.0
        assert parse_retry_after({}, "Please try again in 120ms.") == pytest.approx(0.12)
        assert parse_retry_after({}, "busy") is None

    def test_retry_after_as_a_past_http_date_is_zero(self) -> None:
        assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0

    def test_rate_limits_from_headers(self) -> None:
        headers = {
            "x-ratelimit-limit-requests": "5000",
            "x-ratelimit-remaining-requests": "4999",
            "x-ratelimit-reset-requests": "12ms",
            "x-ratelimit-limit-tokens": "2000000",
            "x-ratelimit-remaining-tokens": "1999000",
            "x-ratelimit-reset-tokens": "6m0s",
        }
        assert RateLimits.from_headers(headers) == RateLimits(5000, 4999, 0.012, 2_000_000, 1_999_000, 360.0)
        assert RateLimits.from_headers({"x-request-id": "r"}) is None
        assert RateLimits.from_headers({"x-ratelimit-remaining-tokens": "-1"}) == RateLimits(remaining_tokens=-1)


class TestRequestBody:
    @pytest.mark.parametrize("mode", MODES)
    async def test_the_sdks_typed_transform_would_change_nothing_in_the_body(self, mode: str) -> None:
        # The provider posts its chat body as it is, skipping the transform `create` runs on it.
        product = Product(
            id="p1",
            title="ceramic mug",
            description_html="<p>A mug &amp; a saucer.</p>",
            extra={"material": "ceramic", "capacity": "350 ml"},
            images=(ProductImage("m1", "https://cdn.example/1.png"), ProductImage("m2", alt="old")),
        )
        request = GenerationRequest(
            product=product,
            attributes=tuple(Attribute),
            language="ar",
            instructions="Keep it short.",
            rewrites=(Rewrite(Attribute.TITLE, "old title", "less formal"),),
        )
        keys = tuple(image_keys(product))
        body: dict[str, object] = {
            "model": "gpt-4o-mini",
            "messages": build_messages(
                request, mode=mode, images={k: "data:image/png;base64,iVBORw0KGgo=" for k in keys}
            ),
            "temperature": 0.3,
            "max_tokens": 900,
        }
        fmt = response_format(mode, request.attributes, keys)
        if fmt is not None:
            body["response_format"] = fmt
        assert await async_maybe_transform(copy.deepcopy(body), CompletionCreateParamsNonStreaming) == body
