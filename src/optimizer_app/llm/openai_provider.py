"""OpenAI, or any OpenAI-compatible server (vLLM, llama.cpp, Ollama...), through the official SDK.

One chat.completions call per product returns every requested attribute as one JSON object.
The SDK never retries (`max_retries=0`): the worker owns retries and reschedules items with
`run_after`, honouring the `retry_after` carried by `LLMTransientError`.

Output mode: servers differ in structured-output support, so the provider starts with
`json_schema`, then `json_object`, then plain text (a JSON object asked for in the prompt).
Until a mode has been accepted once, calls are serialised behind a lock, and the first one probes:

- 400 or 422 on a structured mode: the next mode is tried. These codes mean "this request is
  invalid"; whether the mode is the cause shows when the next mode is accepted. A request that
  is invalid for another reason fails in every mode and changes nothing.
- 500+ whose message names response_format / json_schema / json_object / schema: the same
  (some servers crash on an unknown response_format). Any other 5xx is transient.
- The first mode answered with HTTP 200 is remembered for the life of the instance, and once a
  mode is confirmed a 4xx is the request's fault and never downgrades it. A rejection that names
  response_format is remembered at once, so a transient error in the next mode does not make the
  next call ask the same question again. The mode only moves down.

Parameters every compatible server honours: the output limit goes as `max_tokens` (llama.cpp,
vLLM, LM Studio and Ollama's OpenAI API read it; llama.cpp ignores `max_completion_tokens`), except
on OpenAI's own API, which documents `max_tokens` as deprecated and refused by its reasoning
models (https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens): there
it goes as `max_completion_tokens`, and a server that refuses `max_tokens` by naming
`max_completion_tokens` gets that from then on. The limit is computed per request from the fields
asked (budget.py) and a temperature is always set. Calls in flight adapt to the server
(concurrency.py); a server that keeps writing whitespace after a complete JSON object until the
limit (small models in JSON mode) has its object accepted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import httpx2
import openai
from openai._constants import RAW_RESPONSE_HEADER
from openai.types.chat import ChatCompletion

from ..domain.attributes import Attribute
from ..domain.ratelimit import retry_after_seconds
from .base import (
    BatchState,
    Generation,
    GenerationRequest,
    LLMError,
    LLMOutputError,
    LLMPermanentError,
    LLMTransientError,
    Usage,
)
from .budget import output_token_budget
from .checks import GLOSSARY_BANNED, GLOSSARY_TERM, check_value
from .concurrency import InFlightLimit, Slot
from .facts import FactFlag
from .images import ImageFetcher
from .probe import Capabilities
from .prompts import (
    MODES,
    Messages,
    alts_from_answer,
    build_messages,
    build_retry_messages,
    image_keys,
    parse_reply,
    response_format,
    source_text,
)
from .ratelimit import AdaptiveLimiter

if TYPE_CHECKING:
    from openai._legacy_response import LegacyAPIResponse

    RawCompletion = LegacyAPIResponse[ChatCompletion]

log = logging.getLogger(__name__)

_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json_object", "schema")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|us|\u00b5s|ns|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "\u00b5s": 1e-6, "ns": 1e-9}
_TRY_AGAIN = re.compile(r"try again in\s+((?:\d+(?:\.\d+)?\s*(?:h|ms|m|s)\s*)+)", re.IGNORECASE)
_MAX_DETAIL = 300
_OPENAI_HOSTS = ("api.openai.com",)
# What one picture at `detail: low` costs in prompt tokens on GPT-4o-class models
# (https://platform.openai.com/docs/guides/images-vision), counted in characters like the text.
_IMAGE_PROMPT_CHARS = 85 * 4
# Refusals a model can put right when told what was wrong: asked again within the same call.
_ASK_AGAIN = ("too_long", GLOSSARY_BANNED, GLOSSARY_TERM)


@dataclass(frozen=True)
class RateLimits:
    """The server's `x-ratelimit-*` headers as last seen; resets in seconds."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits | None:
        def get(name: str) -> str | None:
            return headers.get(f"x-ratelimit-{name}")

        if all(get(f"{k}-{u}") is None for k in ("limit", "remaining", "reset") for u in ("requests", "tokens")):
            return None
        return cls(
            limit_requests=_int(get("limit-requests")),
            remaining_requests=_int(get("remaining-requests")),
            reset_requests=parse_reset_duration(get("reset-requests")),
            limit_tokens=_int(get("limit-tokens")),
            remaining_tokens=_int(get("remaining-tokens")),
            reset_tokens=parse_reset_duration(get("reset-tokens")),
        )


def parse_reset_duration(value: str | None) -> float | None:
    """Seconds in an OpenAI reset duration: "12ms" → 0.012, "6m0s" → 360.0, "1.5" → 1.5."""
    if value is None:
        return None
    text = value.strip().replace(" ", "")
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    if not text or _DURATION.sub("", text):
        return None
    return sum(float(n) * _DURATION_UNITS[unit] for n, unit in _DURATION.findall(text))


def parse_retry_after(headers: Mapping[str, str], message: str = "") -> float | None:
    """Seconds to wait: `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then the
    "Please try again in 4.2s" of OpenAI's 429 message."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    after = retry_after_seconds(headers.get("retry-after"), time.time())
    if after is not None:
        return after
    match = _TRY_AGAIN.search(message)
    return parse_reset_duration(match.group(1)) if match else None


@dataclass(frozen=True)
class _Answer:
    data: dict[str, Any]
    usage: Usage
    model: str


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        model: str,
        timeout: float = 60.0,
        timeout_floor: float = 15.0,
        temperature: float = 0.3,
        max_in_flight: int = 64,
        http_client: httpx2.AsyncClient | None = None,
        images: ImageFetcher | None = None,
    ) -> None:
        # With a fetcher the model sees the product's pictures when it writes their alt text
        # (LLM_VISION); without one it writes from the product data.
        self.images = images
        self.model = model
        self.base_url = base_url or ""
        self.temperature = temperature
        self.limit_param = output_limit_param(base_url)
        self.rate_limits: RateLimits | None = None
        self.limiter = AdaptiveLimiter()
        self.in_flight = InFlightLimit(maximum=max_in_flight, timeout_floor=timeout_floor, timeout_ceiling=timeout)
        self._owns_http_client = http_client is None
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url or None,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )
        self._mode_index = 0
        self._mode_confirmed = False
        self._mode_lock = asyncio.Lock()

    def adopt(self, capabilities: Capabilities) -> None:
        """Start from what a capability probe found instead of finding it out by failing."""
        self._mode_index = MODES.index(capabilities.modes[0])
        self._mode_confirmed = True
        if capabilities.limit_param:
            self.limit_param = capabilities.limit_param
        if capabilities.one_at_a_time:
            self.in_flight.start_one_at_a_time()

    @property
    def mode(self) -> str:
        """The output mode calls use now: json_schema, json_object or text."""
        return MODES[self._mode_index]

    async def generate(self, request: GenerationRequest) -> Generation:
        keys = image_keys(request.product) if Attribute.IMAGE_ALT in request.attributes else {}
        pictures: dict[str, str] = {}
        if keys and self.images is not None:
            pictures = await self.images.data_urls({key: image.url for key, image in keys.items()})
        answer = await self._ask(
            lambda mode: build_messages(request, mode=mode, images=pictures), request.attributes, tuple(keys)
        )
        return await self._judge(request, answer)

    async def _judge(self, request: GenerationRequest, answer: _Answer) -> Generation:
        """Check each field of an answer; re-ask (live) once for the ones that came back too long
        or against the glossary, saying what was wrong with each."""
        source = source_text(request)
        usage = answer.usage
        values: dict[Attribute, str] = {}
        rejected: dict[Attribute, str] = {}
        flags: dict[Attribute, list[FactFlag]] = {}
        again: dict[Attribute, object] = {}  # refused drafts worth asking for again

        def accept(attribute: Attribute, data: dict[str, Any]) -> str | None:
            if attribute.value not in data:
                rejected[attribute] = "missing from the answer"
                return None
            after = data[attribute.value]
            if attribute is Attribute.IMAGE_ALT:
                after = alts_from_answer(request.product, after)
            checked = check_value(
                attribute,
                before=request.product.value(attribute),
                after=after,
                source_text=source,
                language=request.language,
                check_language=True,
                glossary=request.glossary,
            )
            if checked.value is not None:
                values[attribute] = checked.value
                if checked.flags:
                    flags[attribute] = checked.flags
                rejected.pop(attribute, None)
                return None
            rejected[attribute] = checked.error or "rejected"
            return checked.error

        for attribute in request.attributes:
            error = accept(attribute, answer.data)
            if error and error.startswith(_ASK_AGAIN):
                again[attribute] = answer.data[attribute.value]

        if again:
            reasons = {a: rejected[a] for a in again}
            try:
                retry = await self._ask(
                    lambda mode: build_retry_messages(request, again, mode=mode, reasons=reasons),
                    tuple(again),
                    tuple(image_keys(request.product)),
                )
            except LLMError as exc:
                # The values already accepted stand; the refused ones keep their reason and the
                # worker retries those items later.
                log.warning("re-asking %d refused value(s) failed: %s", len(again), exc)
            else:
                usage = _add(usage, retry.usage)
                for attribute in again:
                    accept(attribute, retry.data)
        return Generation(values=values, rejected=rejected, flags=flags, usage=usage, model=answer.model)

    # The Batch API, as https://platform.openai.com/docs/guides/batch describes it: a JSONL file of
    # requests uploaded with purpose "batch", a batch on /v1/chat/completions with a 24h window,
    # polled until it ends; answers in its output file, failed and expired requests in its error file.

    def batch_request(self, custom_id: str, request: GenerationRequest) -> dict[str, Any]:
        """One line of a batch's input file: the body a live call would send, in the current mode."""
        mode = self.mode
        keys = tuple(image_keys(request.product)) if Attribute.IMAGE_ALT in request.attributes else ()
        fmt = response_format(mode, request.attributes, keys)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": build_messages(request, mode=mode),
            "temperature": self.temperature,
            # The Batch API is OpenAI's own: its chat endpoint takes the newer name of the limit.
            "max_completion_tokens": output_token_budget(request.attributes),
        }
        if fmt is not None:
            body["response_format"] = fmt
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}

    async def submit_batch(self, requests: list[dict[str, Any]]) -> BatchState:
        jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests).encode()
        try:
            uploaded = await self._client.files.create(file=("economy.jsonl", jsonl), purpose="batch")
            batch = await self._client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        except openai.OpenAIError as exc:
            raise _map_error(exc) from exc
        return _batch_state(batch)

    async def batch_state(self, batch_id: str) -> BatchState:
        try:
            return _batch_state(await self._client.batches.retrieve(batch_id))
        except openai.OpenAIError as exc:
            raise _map_error(exc) from exc

    async def batch_lines(self, file_id: str) -> list[dict[str, Any]]:
        try:
            content = await self._client.files.content(file_id)
        except openai.OpenAIError as exc:
            raise _map_error(exc) from exc
        lines = []
        for text in content.text.splitlines():
            try:
                line = json.loads(text) if text.strip() else None
            except ValueError:
                line = None
            if isinstance(line, dict) and isinstance(line.get("custom_id"), str):
                lines.append(line)
        return lines

    async def read_batch_line(self, request: GenerationRequest, line: dict[str, Any]) -> Generation:
        response = line.get("response")
        error = line.get("error")
        status = response.get("status_code") if isinstance(response, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        if status == 200 and isinstance(body, dict):
            try:
                completion = ChatCompletion.construct(**body)
            except (TypeError, ValueError) as exc:
                raise LLMOutputError("the AI service sent an unexpected response") from exc
            return await self._judge(request, self._read_completion(completion, calls=1))
        if isinstance(error, dict):
            code, message = str(error.get("code") or ""), _clip(str(error.get("message") or ""))
            if code == "batch_expired":
                raise LLMTransientError(f"the batch's 24 h window closed first: {message}")
            raise LLMTransientError(f"the batch could not run this request ({code}): {message}")
        if isinstance(status, int):
            error = _body_error(body)
            raise _status_error(status, _body_message(body), {}, (error.get("code"), error.get("type")))
        raise LLMOutputError("the batch returned a line without a response")

    async def aclose(self) -> None:
        if self.images is not None:
            await self.images.aclose()
        if self._owns_http_client:
            await self._client.close()

    async def _ask(
        self,
        messages_for: Callable[[str], Messages],
        attributes: tuple[Attribute, ...],
        image_keys: tuple[str, ...] = (),
    ) -> _Answer:
        if not self._mode_confirmed:
            async with self._mode_lock:
                if not self._mode_confirmed:
                    return await self._probe(messages_for, attributes, image_keys)
        mode = self.mode
        try:
            raw = await self._post(mode, messages_for(mode), attributes, image_keys)
        except openai.OpenAIError as exc:
            raise _map_error(exc) from exc
        return self._read(raw, calls=1)

    async def _probe(
        self, messages_for: Callable[[str], Messages], attributes: tuple[Attribute, ...], image_keys: tuple[str, ...]
    ) -> _Answer:
        index = self._mode_index
        calls = 0
        while True:
            mode = MODES[index]
            calls += 1
            try:
                raw = await self._post(mode, messages_for(mode), attributes, image_keys)
            except openai.APIStatusError as exc:
                if index + 1 < len(MODES) and _rejects_mode(exc):
                    log.warning(
                        "the LLM server refused response_format %s (HTTP %s: %s); trying %s",
                        mode, exc.status_code, _detail(exc), MODES[index + 1],
                    )  # fmt: skip
                    index += 1
                    if _names_response_format(exc):
                        self._mode_index = index
                    continue
                raise _map_error(exc) from exc
            except openai.OpenAIError as exc:
                raise _map_error(exc) from exc
            self._mode_index = index
            self._mode_confirmed = True
            return self._read(raw, calls=calls)

    async def _post(
        self, mode: str, messages: Messages, attributes: tuple[Attribute, ...], image_keys: tuple[str, ...] = ()
    ) -> RawCompletion:
        fmt = response_format(mode, attributes, image_keys)
        extra: dict[str, Any] = {} if fmt is None else {"response_format": fmt}
        budget = output_token_budget(attributes)
        prompt_tokens = sum(_prompt_chars(m.get("content", "")) for m in messages) / 4
        async with self.in_flight.slot() as slot:
            await self.limiter.wait(prompt_tokens + budget)
            try:
                return await self._send(slot, messages, budget, extra)
            except openai.APIStatusError as exc:
                if self.limit_param == "max_tokens" and _wants_max_completion_tokens(exc):
                    log.warning("the LLM server asks for max_completion_tokens instead of max_tokens; switching")
                    self.limit_param = "max_completion_tokens"
                    return await self._send(slot, messages, budget, extra)
                raise

    async def _send(self, slot: Slot, messages: Messages, budget: int, extra: dict[str, Any]) -> RawCompletion:
        started = time.monotonic()
        timeout = self.in_flight.timeout()
        try:
            # What `chat.completions.with_raw_response.create` sends, without the SDK's walk of
            # the body against its parameter types: that walk changes nothing in a body of plain
            # strings and numbers (a test holds it to that) and cost ~0.8 ms of CPU per call.
            answer = await self._client.post(
                "/chat/completions",
                cast_to=ChatCompletion,
                body={
                    "model": self.model,
                    "messages": messages,
                    "temperature": self.temperature,
                    self.limit_param: budget,
                    **extra,
                },
                # As `with_raw_response.create` asks: the key as a bearer token, the answer kept
                # unparsed with its headers (the rate-limit headers are read from them).
                options={
                    "headers": {RAW_RESPONSE_HEADER: "true"},
                    "security": {"bearer_auth": True},
                    "timeout": timeout,
                },
            )
            raw = cast("RawCompletion", answer)  # what the raw-response header makes `post` return
        except openai.APITimeoutError:
            slot.overloaded = True
            slot.timed_out_after = timeout
            raise
        except openai.APIStatusError as exc:
            self._note_rate_limits(exc.response.headers)
            if exc.status_code == 429:
                self.limiter.pause(parse_retry_after(exc.response.headers, str(exc)) or 1.0)
            slot.overloaded = exc.status_code == 429 or (exc.status_code >= 500 and not _names_response_format(exc))
            raise
        self._note_rate_limits(raw.headers)
        slot.latency = time.monotonic() - started
        slot.completion_tokens = _completion_tokens(raw)
        if self.limiter.requests is not None:
            self.in_flight.expect(self.limiter.requests.rate * slot.latency)
        return raw

    def _note_rate_limits(self, headers: Mapping[str, str]) -> None:
        limits = RateLimits.from_headers(headers)
        if limits is not None:
            self.rate_limits = limits
            self.limiter.observe(
                limit_requests=limits.limit_requests,
                remaining_requests=limits.remaining_requests,
                reset_requests=limits.reset_requests,
                limit_tokens=limits.limit_tokens,
                remaining_tokens=limits.remaining_tokens,
                reset_tokens=limits.reset_tokens,
            )

    def _read(self, raw: RawCompletion, *, calls: int) -> _Answer:
        try:
            completion = raw.parse()
        except ValueError as exc:
            raise LLMOutputError("the AI service sent a response that is not JSON") from exc
        if isinstance(completion, str):  # what the SDK returns for a non-JSON content type
            raise LLMOutputError("the AI service sent a response that is not JSON")
        return self._read_completion(completion, calls=calls)

    def _read_completion(self, completion: object, *, calls: int) -> _Answer:
        if not isinstance(completion, ChatCompletion) or not getattr(completion, "choices", None):
            raise LLMOutputError("the AI service sent a response without choices")
        usage = _usage(completion, calls)
        choice = completion.choices[0]
        message = getattr(choice, "message", None)
        refusal = getattr(message, "refusal", None)
        finish_reason = getattr(choice, "finish_reason", None)
        if refusal:
            raise LLMOutputError(f"the model refused: {_clip(str(refusal))}")
        content = getattr(message, "content", None)
        if finish_reason == "length" and not _complete_object(content):
            raise LLMOutputError(
                f"truncated: the answer hit its output limit ({usage.completion_tokens} completion tokens)"
            )
        if finish_reason == "content_filter":
            raise LLMOutputError("the answer was blocked by the content filter")
        if not isinstance(content, str) or not content.strip():
            raise LLMOutputError("the answer was empty")
        try:
            data = parse_reply(content)
        except ValueError as exc:
            raise LLMOutputError(f"the answer is not a JSON object: {_clip(content, 120)!r}") from exc
        return _Answer(data=data, usage=usage, model=getattr(completion, "model", None) or self.model)


def _prompt_chars(content: object) -> int:
    """A message's length for the token estimate: its text, and a fixed share per picture."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(
            _IMAGE_PROMPT_CHARS if part.get("type") == "image_url" else len(str(part.get("text", "")))
            for part in content
            if isinstance(part, dict)
        )
    return 0


def output_limit_param(base_url: str | None) -> str:
    """The name the output limit goes by at a server: see the module's docstring."""
    host = httpx2.URL(base_url).host if base_url else "api.openai.com"
    return "max_completion_tokens" if host in _OPENAI_HOSTS else "max_tokens"


def _wants_max_completion_tokens(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {json.dumps(exc.body, default=str)}"
    return exc.status_code == 400 and "max_tokens" in text and "max_completion_tokens" in text


def _completion_tokens(raw: RawCompletion) -> int:
    try:
        completion = raw.parse()
    except ValueError:
        return 0
    usage = getattr(completion, "usage", None)
    return int(getattr(usage, "completion_tokens", 0) or 0)


def _complete_object(content: object) -> bool:
    """A JSON object with nothing but whitespace after it: what a small model in JSON mode sends
    when it pads its answer up to the limit."""
    if not isinstance(content, str):
        return False
    text = content.strip()
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _usage(completion: ChatCompletion, calls: int) -> Usage:
    usage = getattr(completion, "usage", None)
    return Usage(
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        calls=calls,
    )


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(a.prompt_tokens + b.prompt_tokens, a.completion_tokens + b.completion_tokens, a.calls + b.calls)


def _rejects_mode(exc: openai.APIStatusError) -> bool:
    return exc.status_code in (400, 422) or (exc.status_code >= 500 and _names_response_format(exc))


def _names_response_format(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {json.dumps(exc.body, default=str)}".lower()
    return any(word in text for word in _FORMAT_WORDS)


def _map_error(exc: openai.OpenAIError) -> LLMError:
    if isinstance(exc, openai.APITimeoutError):
        return LLMTransientError("the AI service did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return LLMTransientError(f"could not reach the AI service: {exc}")
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc.status_code, _detail(exc), exc.response.headers, (exc.code, exc.type))
    if isinstance(exc, openai.APIResponseValidationError):
        return LLMOutputError(f"the AI service sent an unexpected response: {exc}")
    return LLMTransientError(f"AI service error: {exc}")


def _status_error(status: int, detail: str, headers: Mapping[str, str], codes: tuple[object, ...]) -> LLMError:
    """An HTTP error answer, from a live call or a batch's error file, as the worker's error kind."""
    if status == 429:
        if "insufficient_quota" in codes:
            return LLMPermanentError(f"the AI account's quota is exhausted (HTTP 429): {detail}")
        return LLMTransientError(f"rate limited (HTTP 429): {detail}", parse_retry_after(headers, detail))
    # 408 and 409 are the server's own timeouts and lock conflicts: worth another try.
    if status in (408, 409) or status >= 500:
        return LLMTransientError(f"HTTP {status}: {detail}", parse_retry_after(headers))
    if status in (401, 403):
        return LLMPermanentError(f"the AI service refused the credentials (HTTP {status}): {detail}")
    return LLMPermanentError(f"the AI service rejected the request (HTTP {status}): {detail}")


def _batch_state(batch: Any) -> BatchState:
    return BatchState(
        id=str(batch.id),
        status=str(batch.status),
        output_file_id=getattr(batch, "output_file_id", None) or None,
        error_file_id=getattr(batch, "error_file_id", None) or None,
    )


def _body_error(body: object) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _body_message(body: object) -> str:
    return _clip(str(_body_error(body).get("message") or "no message"))


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return _clip(str(message) if message else exc.message)


def _clip(text: str, limit: int = _MAX_DETAIL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return None
