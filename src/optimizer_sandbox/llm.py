"""A local OpenAI-compatible chat completions server for the demo, the tests and the benchmarks.

It answers `POST /v1/chat/completions` in OpenAI's shape (body, `usage`, `x-request-id`,
`openai-processing-ms`, `x-ratelimit-*` headers) with deterministic improved copy built by the
offline rules from the product data in the prompt. Structured-output support, latency, RPM/TPM
limits (continuously refilled token buckets, like OpenAI's) and faults are set through
`LLMSandboxConfig`, at runtime via `app.state.llm` or `POST /_sandbox/config`.

User messages may be a list of content parts, text and images, as OpenAI's vision guide describes
them (https://platform.openai.com/docs/guides/images-vision; openai-python
`chat_completion_content_part_image_param.py`): `{"type": "image_url", "image_url": {"url",
"detail": "auto" | "low" | "high"}}`, the url an http(s) address or a `data:image/...;base64,` URL
of a PNG, JPEG, WebP or non-animated GIF; anything else is answered 400 as OpenAI does. Shown a
picture the sandbox made (images.py), the model names its colour in that image's alt text.

Rejected requests (429, unsupported response_format) do not consume the rate-limit buckets. The
last requests it answered are kept and served at `GET /_sandbox/requests`, so a test can read what
the model was asked. Like a sampling model asked again, it never answers a field with the
suggestion the prompt says the owner set aside. A test may script a product's next answers
(`scripted_answers`: product title → field values per answer, consumed in order), e.g. to answer
with another product's description as a careless model would.
`added_text` makes the model open every field it writes with those words (a description with a
paragraph of them), for `added_text_calls` answers (-1: all): a model that ignores the words a
store's glossary forbids, so a test can watch the answer refused, asked again and failed.

It also serves the Files and Batches endpoints the way https://platform.openai.com/docs/guides/batch
and https://platform.openai.com/docs/api-reference/batch describe them: a JSONL file uploaded with
purpose `batch`, a batch on `/v1/chat/completions` with a `24h` window, `validating` →
`in_progress` → `completed`, answers in the output file and failed requests in the error file
(non-200 lines with their status and error body); a batch that expires keeps what it answered and
lists the rest in the error file with code `batch_expired`. `batch_seconds` is how long a batch
takes (0 in tests: it ends at the first poll); `batch_expire_after` makes the next batches answer
only that many requests and then expire; `faults` apply to batch lines in order, as to live calls.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeGuard

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product
from optimizer_app.llm import offline
from optimizer_app.llm.checks import visible_text
from optimizer_app.llm.prompts import DATA_BEGIN, FIELDS_LABEL, MODES, SUGGESTIONS_BEGIN

from . import images, llama_cpp

FAULTS = frozenset(
    {"429", "insufficient_quota", "500", "503", "401", "400", "slow", "not_json",
     "garbage", "truncated", "missing_field", "empty", "unchanged", "too_long", "refusal", "invented_fact"}
)  # fmt: skip
DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "sandbox-model")
PROFILES = ("openai", "llama.cpp")
# Requests kept for GET /_sandbox/requests, newest last.
RECORDED_REQUESTS = 200
# What the headers report when no limit is simulated: OpenAI always sends them.
NOMINAL_RPM = 10_000
NOMINAL_TPM = 10_000_000


@dataclass
class LLMSandboxConfig:
    api_key: str | None = None  # None: any non-empty bearer key is accepted
    models: list[str] = field(default_factory=list)  # empty: any model name is accepted
    latency_seconds: float = 0.0
    rpm_limit: int = 0  # 0: unlimited
    tpm_limit: int = 0
    supports_json_schema: bool = True
    supports_json_object: bool = True
    unsupported_status: int = 400  # some servers answer 422 or 500 instead
    unsupported_message: str = ""  # empty: "response_format <type> is not supported"
    faults: list[str] = field(default_factory=list)  # next responses, consumed in order
    error_rate: float = 0.0  # share of calls answered 500
    seed: int = 0
    fault_retry_after_seconds: float = 1.2
    slow_seconds: float = 5.0
    text_fences: bool = True  # text mode answers like a chatty model: prose and a ```json fence
    batch_seconds: float = 60.0  # how long a batch takes to end after it is created
    batch_expire_after: int = -1  # >= 0: batches answer that many requests, then expire
    profile: str = "openai"  # or "llama.cpp": llama.cpp's server on a small machine (llama_cpp.py)
    seconds_per_token: float = 0.0  # llama.cpp profile: generation time per output token
    context_tokens: int = 4096  # llama.cpp profile: n_ctx, where an answer without a limit ends
    added_text: str = ""  # words every field of the next answers opens with
    added_text_calls: int = -1  # how many answers get added_text; -1: every one
    # Product title -> the field values of its next answers, consumed in order (other fields as usual).
    scripted_answers: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a JSON object of changes; raises ValueError naming the first bad field."""
        for name, value in changes.items():
            if name not in _FIELD_TYPES:
                raise ValueError(f"unknown config field {name!r}")
            if not _FIELD_TYPES[name](value):
                raise ValueError(f"invalid value for {name!r}: {value!r}")
            if name == "faults" and not set(value) <= FAULTS:
                raise ValueError(f"unknown faults: {sorted(set(value) - FAULTS)}; known: {sorted(FAULTS)}")
            setattr(self, name, list(value) if isinstance(value, list) else value)
            if name == "scripted_answers":
                self.scripted_answers = {str(k): [dict(a) for a in v] for k, v in value.items()}


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0


def _is_str_list(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(i, str) for i in v)


_FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "api_key": lambda v: v is None or isinstance(v, str),
    "models": _is_str_list,
    "latency_seconds": _is_number,
    "rpm_limit": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "tpm_limit": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "supports_json_schema": lambda v: isinstance(v, bool),
    "supports_json_object": lambda v: isinstance(v, bool),
    "unsupported_status": lambda v: v in (400, 422, 500),
    "unsupported_message": lambda v: isinstance(v, str),
    "faults": _is_str_list,
    "error_rate": lambda v: _is_number(v) and v <= 1,
    "seed": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "fault_retry_after_seconds": _is_number,
    "slow_seconds": _is_number,
    "text_fences": lambda v: isinstance(v, bool),
    "batch_seconds": _is_number,
    "batch_expire_after": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= -1,
    "profile": lambda v: v in PROFILES,
    "seconds_per_token": _is_number,
    "context_tokens": lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
    "added_text": lambda v: isinstance(v, str),
    "added_text_calls": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= -1,
    "scripted_answers": lambda v: (
        isinstance(v, dict)
        and all(
            isinstance(answers, list)
            and all(isinstance(a, dict) and all(isinstance(x, str) for x in (*a, *a.values())) for a in answers)
            for answers in v.values()
        )
    ),
}


@dataclass
class LLMSandboxStats:
    calls: int = 0
    answered_200: int = 0
    answered_429: int = 0
    answered_4xx: int = 0  # other than 429
    answered_5xx: int = 0
    by_mode: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    prompt_tokens: int = 0
    completion_tokens: int = 0
    batches: int = 0
    batch_requests: int = 0
    queued: int = 0  # llama.cpp profile: requests that found the one slot busy
    peak_open_requests: int = 0  # llama.cpp profile: most requests at the server at once


@dataclass
class _Batch:
    id: str
    input_file_id: str
    created_at: float
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0


class _Bucket:
    """Capacity `limit`, refilled continuously at limit/60 per second."""

    def __init__(self) -> None:
        self.level: float | None = None
        self.updated = time.monotonic()

    def refill(self, limit: int, now: float) -> float:
        if self.level is None:
            self.level = float(limit)
        self.level = min(float(limit), self.level + (now - self.updated) * limit / 60)
        self.updated = now
        return self.level

    def wait_for(self, limit: int, cost: float, now: float) -> float:
        """Seconds until `cost` fits; 0 means it fits now (and it is taken)."""
        level = self.refill(limit, now)
        cost = min(cost, limit)
        if level >= cost:
            self.level = level - cost
            return 0.0
        return (cost - level) * 60 / limit

    def headers(self, limit: int, nominal: int, now: float) -> tuple[int, int, str]:
        if limit <= 0:
            return nominal, nominal, "0s"
        level = self.refill(limit, now)
        return limit, int(level), format_duration((limit - level) * 60 / limit)


class LLMSandbox:
    """The server's configuration, counters and buckets as attributes and OpenAI's endpoints as
    methods; `app()` serves them."""

    def __init__(self, config: LLMSandboxConfig | None = None) -> None:
        self.config = config or LLMSandboxConfig()
        self.stats = LLMSandboxStats()
        self.requests = _Bucket()
        self.tokens = _Bucket()
        self.rng = random.Random(self.config.seed)
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, _Batch] = {}
        self.slot = asyncio.Lock()  # llama.cpp profile: its one slot
        self.open_requests = 0
        self.recorded: deque[dict[str, Any]] = deque(maxlen=RECORDED_REQUESTS)

    def reset(self) -> None:
        # In place: `app.state.llm_stats` keeps pointing at the live counters.
        vars(self.stats).update(vars(LLMSandboxStats()))
        self.requests = _Bucket()
        self.tokens = _Bucket()
        self.rng = random.Random(self.config.seed)
        self.config.faults.clear()
        self.config.scripted_answers.clear()
        self.recorded.clear()

    async def chat_completions(self, request: Request) -> Response:
        started = time.monotonic()
        config = self.config
        stats = self.stats
        stats.calls += 1

        def error(status: int, message: str, type_: str, code: str | None = None, param: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:  # fmt: skip
            if status == 429:
                stats.answered_429 += 1
            elif status >= 500:
                stats.answered_5xx += 1
            else:
                stats.answered_4xx += 1
            body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
            return JSONResponse(body, status_code=status, headers={**self._headers(started), **(headers or {})})

        key = request.headers.get("authorization", "")
        token = key[7:].strip() if key.lower().startswith("bearer ") else ""
        if not token:
            return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                              "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                         "invalid_request_error")  # fmt: skip
        if config.api_key is not None and token != config.api_key:
            return error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")

        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
        if not isinstance(body, dict):
            return error(400, "The body of your request must be a JSON object.", "invalid_request_error")
        if config.profile == "llama.cpp" and _valid_messages(body.get("messages")):
            return await llama_cpp.chat_completions(self, body, body["messages"])
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return error(400, "you must provide a model parameter", "invalid_request_error", param="model")
        if config.models and model not in config.models:
            return error(404, f"The model `{model}` does not exist or you do not have access to it.",
                         "invalid_request_error", "model_not_found")  # fmt: skip
        messages = body.get("messages")
        if not _valid_messages(messages):
            return error(400, "'messages' must be a non-empty array of objects with a role and a content.",
                         "invalid_request_error", param="messages")  # fmt: skip

        problem = _image_parts_problem(messages)
        if problem:
            message, param = problem
            return error(400, message, "invalid_request_error", "invalid_image", param=param)

        response_format = body.get("response_format")
        mode = response_format.get("type") if isinstance(response_format, dict) else "text"
        if mode not in MODES:
            return error(400, f"Invalid value for 'response_format.type': {mode!r}.", "invalid_request_error",
                         param="response_format")  # fmt: skip
        stats.by_mode[mode] += 1
        if (mode == "json_schema" and not config.supports_json_schema) or (
            mode == "json_object" and not config.supports_json_object
        ):
            status = config.unsupported_status
            message = config.unsupported_message or f"response_format {mode} is not supported"
            return error(status, message, "invalid_request_error" if status < 500 else "server_error",
                         param="response_format")  # fmt: skip

        prompt_tokens = sum(_content_chars(m.get("content", "")) for m in messages) // 4 + 1
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or 0
        limited = self._rate_limited(model, prompt_tokens + int(max_tokens))
        if limited is not None:
            message, wait, kind = limited
            return error(429, message, kind, "rate_limit_exceeded", headers=_retry_headers(wait))

        fault = config.faults.pop(0) if config.faults else None
        if fault is None and config.error_rate and self.rng.random() < config.error_rate:
            fault = "500"
        if fault == "429":
            wait = config.fault_retry_after_seconds
            message = (f"Rate limit reached for {model} in organization org-sandbox on requests per min (RPM): "
                       f"Limit 1, Used 1, Requested 1. Please try again in {format_duration(wait)}.")  # fmt: skip
            return error(429, message, "requests", "rate_limit_exceeded", headers=_retry_headers(wait))
        if fault == "insufficient_quota":
            return error(429, "You exceeded your current quota, please check your plan and billing details.",
                         "insufficient_quota", "insufficient_quota")  # fmt: skip
        if fault in ("500", "503"):
            message = ("The server had an error while processing your request. Sorry about that!" if fault == "500"
                       else "The engine is currently overloaded, please try again later.")  # fmt: skip
            return error(int(fault), message, "server_error")
        if fault == "401":
            return error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if fault == "400":
            return error(400, "Invalid request.", "invalid_request_error")
        if fault is not None and fault not in FAULTS:
            return error(500, f"unknown sandbox fault {fault!r}", "server_error")

        if fault == "slow":
            await asyncio.sleep(config.slow_seconds)
        elif config.latency_seconds:
            await asyncio.sleep(config.latency_seconds)
        if fault == "not_json":
            stats.answered_200 += 1
            return Response("<html><body>upstream error</body></html>", media_type="text/html",
                            headers=self._headers(started))  # fmt: skip

        return JSONResponse(
            self._completion(model, messages, response_format, mode, fault, prompt_tokens, int(max_tokens)),
            headers=self._headers(started),
        )

    def _completion(
        self,
        model: str,
        messages: list[dict[str, Any]],
        response_format: object,
        mode: str,
        fault: str | None,
        prompt_tokens: int,
        max_tokens: int = 0,
    ) -> dict[str, Any]:
        stats = self.stats
        self.recorded.append({"model": model, "messages": messages})
        added = self._added_text()
        scripted = self._scripted(messages)
        content, finish_reason, refusal = _answer(
            messages, response_format, mode, fault, self.config.text_fences, scripted, added
        )
        completion_tokens = len(content or "") // 4 + 1
        if content and 0 < max_tokens < completion_tokens:  # OpenAI stops at the limit
            content, finish_reason, completion_tokens = content[: max_tokens * 4], "length", max_tokens
        stats.answered_200 += 1
        stats.prompt_tokens += prompt_tokens
        stats.completion_tokens += completion_tokens
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_sandbox",
        }

    def _added_text(self) -> str:
        config = self.config
        if not config.added_text or config.added_text_calls == 0:
            return ""
        if config.added_text_calls > 0:
            config.added_text_calls -= 1
        return config.added_text

    def _scripted(self, messages: list[dict[str, Any]]) -> dict[str, str]:
        """The scripted values of this product's next answer (by the title in the prompt), if any."""
        answers = self.config.scripted_answers.get(_product_from_prompt(_last_user_content(messages)).title)
        return answers.pop(0) if answers else {}

    async def create_file(self, request: Request) -> Response:
        async with request.form() as form:  # closes the spooled upload
            upload = form.get("file")
            if form.get("purpose") != "batch" or isinstance(upload, str) or upload is None:
                return _invalid("Upload a file with purpose 'batch'.", "purpose")
            data = await upload.read()
            filename = upload.filename or "input.jsonl"
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        self.files[file_id] = data
        return JSONResponse(_file_json(file_id, len(data), filename, "batch"))

    async def file_content(self, request: Request) -> Response:
        data = self.files.get(request.path_params["file_id"])
        if data is None:
            return _not_found("No such File object")
        return Response(data, media_type="application/octet-stream")

    async def create_batch(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _invalid("We could not parse the JSON body of your request.", None)
        if not isinstance(body, dict) or body.get("input_file_id") not in self.files:
            return _invalid("input_file_id must name an uploaded file.", "input_file_id")
        if body.get("endpoint") != "/v1/chat/completions":
            return _invalid("This sandbox runs batches on /v1/chat/completions only.", "endpoint")
        if body.get("completion_window") != "24h":
            return _invalid("completion_window must be '24h'.", "completion_window")
        batch = _Batch(f"batch_{uuid.uuid4().hex[:24]}", body["input_file_id"], time.time())
        self.batches[batch.id] = batch
        self.stats.batches += 1
        return JSONResponse(_batch_json(batch))

    async def get_batch(self, request: Request) -> Response:
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return _not_found("No such batch")
        elapsed = time.time() - batch.created_at
        if batch.status in ("validating", "in_progress"):
            if elapsed >= self.config.batch_seconds:
                self._run_batch(batch)
            elif elapsed >= self.config.batch_seconds / 10:
                batch.status = "in_progress"
        return JSONResponse(_batch_json(batch))

    def _run_batch(self, batch: _Batch) -> None:
        output: list[str] = []
        errors: list[str] = []
        expire_after = self.config.batch_expire_after
        for text in self.files[batch.input_file_id].decode().splitlines():
            if not text.strip():
                continue
            line = json.loads(text)
            batch.total += 1
            custom_id = line.get("custom_id")
            if 0 <= expire_after <= batch.completed + batch.failed:
                error = {"code": "batch_expired", "message": _EXPIRED}
                errors.append(json.dumps({"id": _req_id(), "custom_id": custom_id, "response": None, "error": error}))
                batch.failed += 1
                continue
            self.stats.batch_requests += 1
            status, body = self._batch_line(line.get("body"))
            response = {"status_code": status, "request_id": _req_id(), "body": body}
            entry = json.dumps({"id": _req_id(), "custom_id": custom_id, "response": response, "error": None})
            if status == 200:
                output.append(entry)
                batch.completed += 1
            else:
                errors.append(entry)
                batch.failed += 1
        batch.output_file_id = self._store_file(output)
        batch.error_file_id = self._store_file(errors)
        batch.status = "expired" if expire_after >= 0 and batch.total > expire_after else "completed"

    def _batch_line(self, body: object) -> tuple[int, dict[str, Any]]:
        """One request of a batch: as a live call, without latency or rate limits (a batch has its own)."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("model"), str)
            or not _valid_messages(body.get("messages"))
        ):
            return 400, _error_body("'model' and 'messages' are required.", "invalid_request_error")
        problem = _image_parts_problem(body["messages"])
        if problem:
            return 400, _error_body(problem[0], "invalid_request_error", "invalid_image", problem[1])

        response_format = body.get("response_format")
        mode = response_format.get("type") if isinstance(response_format, dict) else "text"
        if mode not in MODES:
            return 400, _error_body(f"Invalid value for 'response_format.type': {mode!r}.", "invalid_request_error")
        fault = self.config.faults.pop(0) if self.config.faults else None
        if fault in ("500", "503"):
            return int(fault), _error_body("The server had an error while processing your request.", "server_error")
        if fault == "400":
            return 400, _error_body("Invalid request.", "invalid_request_error")
        messages = body["messages"]
        prompt_tokens = sum(_content_chars(m.get("content", "")) for m in messages) // 4 + 1
        return 200, self._completion(body["model"], messages, response_format, str(mode), fault, prompt_tokens)

    def _store_file(self, lines: list[str]) -> str | None:
        if not lines:
            return None
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        self.files[file_id] = "".join(f"{line}\n" for line in lines).encode()
        return file_id

    def _rate_limited(self, model: str, token_cost: int) -> tuple[str, float, str] | None:
        config = self.config
        now = time.monotonic()
        if config.rpm_limit > 0:
            wait = self.requests.wait_for(config.rpm_limit, 1, now)
            if wait > 0:
                used = config.rpm_limit - int(self.requests.level or 0)
                return _limit_message(model, "requests", "RPM", config.rpm_limit, used, 1, wait), wait, "requests"
        if config.tpm_limit > 0:
            wait = self.tokens.wait_for(config.tpm_limit, token_cost, now)
            if wait > 0:
                if config.rpm_limit > 0:
                    # The request was counted against RPM above; it is not served, so give it back.
                    self.requests.level = (self.requests.level or 0) + 1
                used = config.tpm_limit - int(self.tokens.level or 0)
                message = _limit_message(model, "tokens", "TPM", config.tpm_limit, used, token_cost, wait)
                return message, wait, "tokens"
        return None

    def _headers(self, started: float) -> dict[str, str]:
        config = self.config
        now = time.monotonic()
        limit_r, remaining_r, reset_r = self.requests.headers(config.rpm_limit, NOMINAL_RPM, now)
        limit_t, remaining_t, reset_t = self.tokens.headers(config.tpm_limit, NOMINAL_TPM, now)
        return {
            "x-request-id": f"req_{uuid.uuid4().hex}",
            "openai-processing-ms": str(int((now - started) * 1000)),
            "openai-organization": "org-sandbox",
            "x-ratelimit-limit-requests": str(limit_r),
            "x-ratelimit-remaining-requests": str(remaining_r),
            "x-ratelimit-reset-requests": reset_r,
            "x-ratelimit-limit-tokens": str(limit_t),
            "x-ratelimit-remaining-tokens": str(remaining_t),
            "x-ratelimit-reset-tokens": reset_t,
        }

    async def models(self, request: Request) -> Response:
        names = self.config.models or list(DEFAULT_MODELS)
        owner = llama_cpp.OWNED_BY if self.config.profile == "llama.cpp" else "sandbox"
        data = [{"id": n, "object": "model", "created": 1_700_000_000, "owned_by": owner} for n in names]
        return JSONResponse({"object": "list", "data": data})

    async def get_config(self, request: Request) -> Response:
        return JSONResponse(asdict(self.config))

    async def post_config(self, request: Request) -> Response:
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            self.config.update(changes)
        except ValueError as exc:
            return JSONResponse({"error": {"code": "invalid_config", "message": str(exc)}}, status_code=400)
        return JSONResponse(asdict(self.config))

    async def get_stats(self, request: Request) -> Response:
        return JSONResponse(asdict(self.stats))

    async def get_requests(self, request: Request) -> Response:
        return JSONResponse({"requests": list(self.recorded)})

    async def post_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse(asdict(self.stats))

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/files", self.create_file, methods=["POST"]),
            Route("/v1/files/{file_id}/content", self.file_content, methods=["GET"]),
            Route("/v1/batches", self.create_batch, methods=["POST"]),
            Route("/v1/batches/{batch_id}", self.get_batch, methods=["GET"]),
            Route("/_sandbox/config", self.get_config, methods=["GET"]),
            Route("/_sandbox/config", self.post_config, methods=["POST"]),
            Route("/_sandbox/stats", self.get_stats, methods=["GET"]),
            Route("/_sandbox/requests", self.get_requests, methods=["GET"]),
            Route("/_sandbox/reset", self.post_reset, methods=["POST"]),
        ]

    def app(self) -> Starlette:
        app = Starlette(routes=self.routes())
        app.state.llm = self.config
        app.state.llm_stats = self.stats
        app.state.llm_sandbox = self
        return app


def create_llm_sandbox(config: LLMSandboxConfig | None = None) -> Starlette:
    return LLMSandbox(config).app()


def _valid_messages(messages: object) -> TypeGuard[list[dict[str, Any]]]:
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(isinstance(m, dict) and isinstance(m.get("role"), str) and "content" in m for m in messages)
    )


_EXPIRED = "This request could not be executed before the completion window expired."


def _req_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def _error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _invalid(message: str, param: str | None) -> Response:
    return JSONResponse(_error_body(message, "invalid_request_error", param=param), status_code=400)


def _not_found(message: str) -> Response:
    return JSONResponse(_error_body(message, "invalid_request_error"), status_code=404)


def _file_json(file_id: str, size: int, filename: str, purpose: str) -> dict[str, Any]:
    return {"id": file_id, "object": "file", "bytes": size, "created_at": int(time.time()),
            "filename": filename, "purpose": purpose}  # fmt: skip


def _batch_json(batch: _Batch) -> dict[str, Any]:
    created = int(batch.created_at)
    return {
        "id": batch.id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "errors": None,
        "input_file_id": batch.input_file_id,
        "completion_window": "24h",
        "status": batch.status,
        "output_file_id": batch.output_file_id,
        "error_file_id": batch.error_file_id,
        "created_at": created,
        "expires_at": created + 24 * 3600,
        "request_counts": {"total": batch.total, "completed": batch.completed, "failed": batch.failed},
        "metadata": None,
    }


def _limit_message(model: str, what: str, abbr: str, limit: int, used: int, requested: int, wait: float) -> str:
    return (
        f"Rate limit reached for {model} in organization org-sandbox on {what} per min ({abbr}): "
        f"Limit {limit}, Used {used}, Requested {requested}. Please try again in {format_duration(wait)}. "
        "Visit https://platform.openai.com/account/rate-limits to learn more."
    )


def _retry_headers(wait: float) -> dict[str, str]:
    return {"retry-after": str(max(1, math.ceil(wait))), "retry-after-ms": str(max(1, math.ceil(wait * 1000)))}


def format_duration(seconds: float) -> str:
    """OpenAI's reset format: "12ms", "1.2s", "6m0s", "1h2m3s"."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{round(secs, 3):g}s"
    if minutes or hours:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return text


def _answer(
    messages: list[dict[str, Any]],
    response_format: object,
    mode: str,
    fault: str | None,
    fences: bool,
    scripted: dict[str, str] | None = None,
    added: str = "",
) -> tuple[str | None, str, str | None]:
    """(content, finish_reason, refusal) for a successful call."""
    if fault == "refusal":
        return None, "stop", "I'm sorry, but I can't help with that request."
    prompt = _last_user_content(messages)
    names = _requested_fields(response_format, prompt)
    product = _product_from_prompt(prompt)
    set_aside = _previous_suggestions(prompt)
    values: dict[str, Any] = {
        name: _with_added(name, _improved(name, product, set_aside.get(name)), added)
        for name in names
        if name != Attribute.IMAGE_ALT.value
    }
    if Attribute.IMAGE_ALT.value in names:
        values[Attribute.IMAGE_ALT.value] = _alt_texts(prompt, _pictures(messages))
    values.update({name: value for name, value in (scripted or {}).items() if name in values})
    if names and fault in ("empty", "unchanged", "too_long"):
        first = names[0]
        if fault == "empty":
            values[first] = ""
        elif fault == "unchanged":
            values[first] = _current(first, product)
        else:
            values[first] = _too_long(first, product)
    if names and fault == "invented_fact":
        values[names[0]] = _with_invented_fact(names[0], product)
    if names and fault == "missing_field":
        values.pop(names[-1])
    if fault == "garbage":
        return "Sure! Here is the improved copy: title = a great product, description = even better", "stop", None
    content = json.dumps(values, ensure_ascii=False)
    if fault == "truncated":
        return content[: max(1, len(content) // 2)], "length", None
    if mode == "text" and fences:
        content = f"Here is the improved copy:\n\n```json\n{content}\n```"
    return content, "stop", None


def _last_user_content(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


_DATA_URL = re.compile(r"data:image/(png|jpeg|jpg|webp|gif);base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
_UNSUPPORTED_IMAGE = (
    "You uploaded an unsupported image. Please make sure your image has of one the following formats: "
    "['png', 'jpeg', 'gif', 'webp']."
)


def _content_chars(content: object) -> int:
    """A message's size for the token count: text parts' length, 85 tokens a low-detail picture."""
    if isinstance(content, list):
        return sum(
            85 * 4 if isinstance(p, dict) and p.get("type") == "image_url" else len(str(p.get("text", "")))
            for p in content
            if isinstance(p, dict)
        )
    return len(str(content))


def _image_parts_problem(messages: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(message, param) of a content part OpenAI refuses, or None."""
    for m_index, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for p_index, part in enumerate(content):
            param = f"messages.[{m_index}].content.[{p_index}]"
            if not isinstance(part, dict) or part.get("type") not in ("text", "image_url"):
                return f"Invalid content part at {param}: expected a text or image_url part.", param
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    return f"Invalid type for '{param}.text': expected a string.", f"{param}.text"
                continue
            if message.get("role") != "user":
                return f"Image content is only supported in user messages ({param}).", param
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str) or not url:
                return f"Missing required parameter: '{param}.image_url.url'.", f"{param}.image_url.url"
            if isinstance(image, dict) and image.get("detail", "auto") not in ("auto", "low", "high"):
                return f"Invalid value for '{param}.image_url.detail'.", f"{param}.image_url.detail"
            if url.startswith("data:"):
                if _picture(url) is None:
                    return _UNSUPPORTED_IMAGE, param
            elif not url.startswith(("https://", "http://")):
                return f"Invalid image URL: '{param}.image_url.url'. Expected a data URL or an http(s) URL.", param
    return None


def _picture(url: str) -> bytes | None:
    match = _DATA_URL.fullmatch(url)
    if not match:
        return None
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except ValueError:
        return None
    ok = data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )
    return data if ok else None


def _pictures(messages: list[dict[str, Any]]) -> dict[str, bytes]:
    """The pictures of the last user message, by the key in the text part just before each."""
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        found: dict[str, bytes] = {}
        if isinstance(content, list):
            key = ""
            for part in content:
                if isinstance(part, dict) and part.get("type") == "text":
                    key = str(part.get("text", "")).strip().rstrip(":")
                elif isinstance(part, dict) and part.get("type") == "image_url":
                    data = _picture(str((part.get("image_url") or {}).get("url", "")))
                    if data is not None and key:
                        found[key] = data
        return found
    return {}


def _alt_texts(prompt: str, pictures: dict[str, bytes]) -> dict[str, str]:
    """One alt text per image key the prompt's product data lists: the offline rules' text, and
    for a picture it was shown, the colour it sees in it."""
    data = _prompt_data(prompt)
    found = data.get("images")
    listed: list[Any] = found if isinstance(found, list) else []
    title = offline.clean_title(str(data.get("title") or "")) or "Product"
    alts: dict[str, str] = {}
    for n, entry in enumerate(listed, start=1):
        key = str(entry.get("image")) if isinstance(entry, dict) else f"image_{n}"
        colour = images.describe(pictures[key]) if key in pictures else None
        text = f"{title} in {colour}" if colour else (title if n == 1 else f"{title}, view {n} of {len(listed)}")
        alts[key] = offline.fit_words(text, Attribute.IMAGE_ALT.max_length)
    return alts


def _requested_fields(response_format: object, prompt: str) -> list[str]:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        properties = schema.get("properties")
        if isinstance(properties, dict):
            return [str(name) for name in properties]
    for line in prompt.splitlines():
        if line.startswith(FIELDS_LABEL):
            return [n.strip() for n in line[len(FIELDS_LABEL) :].split(",") if n.strip()]
    return []


def _prompt_data(prompt: str) -> dict[str, Any]:
    lines = prompt.splitlines()
    data: object = {}
    if DATA_BEGIN in lines:
        index = lines.index(DATA_BEGIN) + 1
        try:
            data = json.loads(lines[index]) if index < len(lines) else {}
        except ValueError:
            data = {}
    return data if isinstance(data, dict) else {}


def _product_from_prompt(prompt: str) -> Product:
    data = _prompt_data(prompt)
    facts = data.get("facts")
    return Product(
        id="sandbox",
        title=str(data.get("title") or ""),
        description_html=str(data.get("description_html") or ""),
        seo_title=str(data.get("seo_title") or ""),
        seo_description=str(data.get("seo_description") or ""),
        extra=facts if isinstance(facts, dict) else {},
    )


def _with_invented_fact(name: str, product: Product) -> str:
    """What merchants report models do ("vegan PU" became "genuine Italian leather"): a material,
    an origin and a weight the product data never stated, within the field's limit."""
    title = offline.fit_words(offline.clean_title(product.title) or "Bag", 30)
    if name == Attribute.DESCRIPTION.value:
        return f"<p>{title} in genuine Italian leather, 2 kg.</p>"
    if name == Attribute.SEO_DESCRIPTION.value:
        return f"{title} in genuine Italian leather, 2 kg. Made to last for years of daily use."
    return f"{title} in Italian leather"


def _improved(name: str, product: Product, set_aside: str | None = None) -> str:
    """The offline rules' value, or when that is the current text or the suggestion the owner set
    aside, the first of a few plain alternatives that is neither."""
    try:
        attribute = Attribute(name)
    except ValueError:
        return f"Improved {name.replace('_', ' ')} for {product.title or 'this product'}"
    avoid = {_norm(_current(name, product)), *([_norm(set_aside)] if set_aside is not None else [])}
    value = offline.improve(product, attribute)
    if value and _norm(value) not in avoid:
        return value
    title = offline.clean_title(product.title) or "This product"
    limit = attribute.max_length
    if attribute is Attribute.DESCRIPTION:
        body = value or f"<p>{title}.</p>"
        candidates = [
            f"<h2>{offline.fit_words(title, 120)}</h2>{body}",
            f"<h3>{offline.fit_words(title, 120)}</h3>{body}",
        ]
        return next((c for c in candidates if _norm(c) not in avoid), f"<p>{title}, in short.</p>")
    candidates = [f"{title} | Official Store", f"{title} - Shop Online", f"Shop {title}", f"{title}."]
    if attribute is Attribute.SEO_DESCRIPTION:
        candidates = [f"Discover {title}. Details, sizes and care in one place.", f"Discover {title}."]
    fitted = (offline.fit_words(c, limit) for c in candidates)
    return next((c for c in fitted if c and _norm(c) not in avoid), f"Shop {title}")


def _previous_suggestions(prompt: str) -> dict[str, str]:
    """The suggestions the prompt says the owner set aside, by field (the line after its marker)."""
    lines = prompt.splitlines()
    if SUGGESTIONS_BEGIN not in lines:
        return {}
    index = lines.index(SUGGESTIONS_BEGIN) + 1
    try:
        data = json.loads(lines[index]) if index < len(lines) else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _with_added(name: str, value: str, added: str) -> str:
    if not added:
        return value
    if name == Attribute.DESCRIPTION.value:
        return f"<p>{added}</p>{value}"
    try:
        limit = Attribute(name).max_length
    except ValueError:
        return f"{added} {value}"
    return offline.fit_words(f"{added} {value}", limit)


def _current(name: str, product: Product) -> str:
    try:
        return product.value(Attribute(name))
    except ValueError:
        return ""


def _too_long(name: str, product: Product) -> str:
    try:
        limit = Attribute(name).max_length
    except ValueError:
        limit = 200
    base = offline.clean_title(product.title) or "Product"
    words = (f"{base} with carefully chosen details for everyday use " * (limit // 40 + 2)).split()
    text = ""
    for word in words:
        text = f"{text} {word}".strip()
        if len(text) > limit + 20:
            break
    return f"<p>{text}</p>" if name == Attribute.DESCRIPTION.value else text


def _norm(text: str) -> str:
    return visible_text(text).casefold()
