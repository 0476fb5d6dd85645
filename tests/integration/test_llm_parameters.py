"""The parameters the provider sends, seen by a transport handed to the SDK's HTTP client: an output
limit sized to the fields asked, under the name the server reads, and a set temperature."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product
from optimizer_app.llm.base import GenerationRequest
from optimizer_app.llm.budget import output_token_budget
from optimizer_app.llm.openai_provider import OpenAIProvider

PRODUCT = Product(id="1", title="blue mug", description_html="<p>A mug.</p>", seo_title="", seo_description="")
REQUEST = GenerationRequest(product=PRODUCT, attributes=(Attribute.TITLE, Attribute.SEO_TITLE), language="en")
ANSWER = {"title": "Blue Ceramic Mug", "seo_title": "Blue Ceramic Mug for Coffee"}
# What OpenAI answers when a reasoning model is sent max_tokens
# (https://platform.openai.com/docs/guides/reasoning: "max_tokens ... not compatible with o-series").
REFUSES_MAX_TOKENS = (
    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
)


def completion(content: dict[str, str]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": json.dumps(content)}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


async def generate(base_url: str, *answers: httpx2.Response) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    queue = list(answers)

    def handler(req: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(req.content))
        return queue.pop(0) if queue else httpx2.Response(200, json=completion(ANSWER))

    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    provider = OpenAIProvider(api_key="k", base_url=base_url, model="m", http_client=client, temperature=0.3)
    try:
        generation = await provider.generate(REQUEST)
        assert set(generation.values) == {Attribute.TITLE, Attribute.SEO_TITLE}
    finally:
        await client.aclose()
    return bodies


async def test_a_compatible_server_gets_max_tokens_sized_to_the_fields_and_a_temperature() -> None:
    [body] = await generate("http://127.0.0.1:8080/v1")
    assert body["max_tokens"] == output_token_budget(REQUEST.attributes)
    assert "max_completion_tokens" not in body
    assert body["temperature"] == 0.3


async def test_openai_itself_gets_max_completion_tokens() -> None:
    [body] = await generate("https://api.openai.com/v1")
    assert body["max_completion_tokens"] == output_token_budget(REQUEST.attributes)
    assert "max_tokens" not in body


async def test_a_server_that_refuses_max_tokens_by_naming_the_other_gets_the_other() -> None:
    error = {"message": REFUSES_MAX_TOKENS, "type": "invalid_request_error", "param": "max_tokens"}
    refused = httpx2.Response(400, json={"error": {**error, "code": "unsupported_parameter"}})
    first, second = await generate("https://my-resource.openai.azure.com/openai/v1", refused)
    assert "max_tokens" in first
    assert second["max_completion_tokens"] == output_token_budget(REQUEST.attributes)
    assert "max_tokens" not in second
