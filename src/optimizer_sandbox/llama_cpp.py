"""The sandbox LLM's `llama.cpp` profile: chat completions the way llama.cpp's server answers them
on a small machine (LLMSandboxConfig.profile = "llama.cpp").

Each behaviour, and where it is documented:

- One request at a time. llama.cpp's server runs as many requests as it has slots (`--parallel`,
  one in the builds of 2024 and on a small machine; tools/server/README.md, "-np, --parallel"), and
  llama-cpp-python's server, the one the issue ran, serialises every request behind its
  `llama_outer_lock` / `llama_inner_lock` (llama_cpp/server/app.py). Others wait in its queue.
- No stop when the client leaves: a non-streaming completion runs to its end in a worker thread
  (llama-cpp-python: `run_in_threadpool(llama.create_chat_completion, ...)`; llama.cpp frees a slot
  when its task ends). Here the generation is shielded from the request's cancellation and keeps
  the lock until done.
- Unknown parameters are ignored, `max_completion_tokens` among them: the output limit is
  `max_tokens` (n_predict; llama-cpp-python's `CreateChatCompletionRequest` has `max_tokens` and
  no `max_completion_tokens`, and pydantic drops unknown fields).
- `response_format` of type `json_schema` is refused with HTTP 500 and the message
  `response_format type must be one of "text" or "json_object", but got: json_schema` (llama.cpp's
  server before ggml-org/llama.cpp#9527, Sept. 2024; quoted in ikawrakow/ik_llama.cpp#778).
- JSON mode runs on: `json_object` constrains the output with a JSON grammar whose whitespace rule
  a small model keeps choosing after the object, so the answer ends only at `max_tokens` — or,
  when no limit it reads was sent, at the end of the context — with `finish_reason: "length"`.
- Generation takes `seconds_per_token` per output token; no `x-ratelimit-*` headers are sent.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from .llm import LLMSandbox

JSON_SCHEMA_REFUSAL = 'response_format type must be one of "text" or "json_object", but got: json_schema'
OWNED_BY = "llamacpp"
# Faults that shape the answer's content; the transport faults belong to the OpenAI profile.
CONTENT_FAULTS = frozenset({"empty", "unchanged", "too_long", "missing_field"})


async def chat_completions(sandbox: LLMSandbox, body: dict[str, Any], messages: list[dict[str, Any]]) -> Response:
    from .llm import _answer  # the same improved copy as the OpenAI profile

    config, stats = sandbox.config, sandbox.stats
    response_format = body.get("response_format")
    mode = response_format.get("type") if isinstance(response_format, dict) else "text"
    if mode not in ("text", "json_object", "json_schema"):
        mode = "text"
    stats.by_mode[mode] += 1
    if mode == "json_schema":
        stats.answered_5xx += 1
        return JSONResponse({"error": {"code": 500, "message": JSON_SCHEMA_REFUSAL, "type": "server_error"}}, 500)

    prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 4 + 1
    max_tokens = body.get("max_tokens")
    room = max(1, config.context_tokens - prompt_tokens)
    n_predict = min(room, max_tokens) if isinstance(max_tokens, int) and max_tokens > 0 else room
    fault = config.faults.pop(0) if config.faults else None
    content, finish_reason, _ = _answer(
        messages, response_format, mode, fault if fault in CONTENT_FAULTS else None, config.text_fences
    )
    text = content or ""
    completion_tokens = min(n_predict, len(text) // 4 + 1)
    if mode == "json_object":
        completion_tokens = n_predict
        text = text + " " * max(0, (n_predict - len(text) // 4) * 4)
        finish_reason = "length"
    elif completion_tokens >= n_predict:
        text, finish_reason = text[: n_predict * 4], "length"

    async def generate() -> None:
        try:
            async with sandbox.slot:
                await asyncio.sleep(completion_tokens * config.seconds_per_token)
        finally:
            sandbox.open_requests -= 1

    if sandbox.slot.locked():
        stats.queued += 1
    sandbox.open_requests += 1
    stats.peak_open_requests = max(stats.peak_open_requests, sandbox.open_requests)
    # Shielded: a client that gives up does not free the slot; the work runs to its end.
    await asyncio.shield(asyncio.ensure_future(generate()))
    stats.answered_200 += 1
    stats.prompt_tokens += prompt_tokens
    stats.completion_tokens += completion_tokens
    payload = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or "model.gguf"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Response(json.dumps(payload), media_type="application/json")
