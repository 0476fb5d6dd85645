"""What an OpenAI-compatible server can do, found by asking it: the models it lists, the
structured-output modes it accepts, whether it honours an output limit, how long a short answer
takes and whether it serves more than one request at a time.

`optimizer-app llm-check` runs the probe, prints `advice()` and keeps the result per base URL and
model (llm_servers.py), and every worker process starts from it (`remember` / `known` in memory)
instead of finding each of these out by failing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

import openai

from ..domain.attributes import TEXT_ATTRIBUTES, Attribute
from ..domain.products import Product
from .base import GenerationRequest
from .budget import output_token_budget
from .prompts import MODES, build_messages, response_format

TINY_LIMIT = 16
# Three calls sent together that take this many times one call's latency were served one by one.
SERIAL_RATIO = 2.2
# Below this a latency is noise: nothing can be told about queueing from it.
MEASURABLE_SECONDS = 0.05
SAMPLE = Product(
    id="probe",
    title="Ceramic coffee mug 350 ml",
    description_html="<p>Stoneware mug, dishwasher safe, 350 ml.</p>",
    seo_title="",
    seo_description="",
)


@dataclass(frozen=True)
class Capabilities:
    base_url: str
    model: str
    models: tuple[str, ...]  # what GET /models listed; empty when it answered nothing
    modes: tuple[str, ...]  # the output modes accepted, best first ("text" always works)
    limit_param: str | None  # the output limit the server honours; None: it honours neither
    latency_seconds: float | None  # one short answer (a title), None when no call succeeded
    one_at_a_time: bool
    probed_at: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Capabilities:
        return cls(
            base_url=str(data["base_url"]),
            model=str(data["model"]),
            models=tuple(data.get("models") or ()),
            modes=tuple(data.get("modes") or ("text",)),
            limit_param=data.get("limit_param"),
            latency_seconds=data.get("latency_seconds"),
            one_at_a_time=bool(data.get("one_at_a_time")),
            probed_at=float(data.get("probed_at") or 0.0),
        )

    def advice(self, *, max_in_flight: int, timeout_seconds: float) -> list[str]:
        """The findings in plain words, each with what to set when something should be."""
        lines = []
        if self.models:
            listed = ", ".join(self.models[:10])
            lines.append(f"Models listed: {listed}.")
            if self.model not in self.models:
                lines.append(f"OPENAI_MODEL={self.model} is not listed: set OPENAI_MODEL to one of them.")
        else:
            lines.append("The server lists no models at /models (llama.cpp's serves whatever model it loaded).")
        if self.modes[0] == "json_schema":
            lines.append("Structured output: JSON schemas are accepted; answers follow the schema.")
        elif self.modes[0] == "json_object":
            lines.append("Structured output: JSON mode only (no JSON schemas); the prompt names the fields.")
        else:
            lines.append("Structured output: none; the worker asks for a JSON object in the prompt.")
        if self.limit_param:
            lines.append(f"The output limit is honoured, sent as {self.limit_param}.")
        else:
            lines.append(
                "The server ignores the output limit (max_tokens and max_completion_tokens): answers run "
                "until the model stops or the context is full. Set a limit on the server instead "
                "(llama.cpp: --n-predict)."
            )
        if self.latency_seconds is None:
            lines.append("No call succeeded, so nothing is known about latency.")
            return lines
        lines.append(f"A one-field answer took {self.latency_seconds:.1f} s.")
        if self.one_at_a_time:
            lines.append(
                "This server runs one request at a time: set LLM_MAX_IN_FLIGHT=1 (or give it more slots, "
                "llama.cpp: --parallel N; then LLM_MAX_IN_FLIGHT=N)."
            )
        else:
            lines.append(
                f"It served three requests at once without slowing down: LLM_MAX_IN_FLIGHT={max_in_flight} "
                "bounds what the worker will try."
            )
        # A four-field answer writes up to its budget; a one-field one about a fifteenth of it.
        longest = self.latency_seconds * output_token_budget(TEXT_ATTRIBUTES) / output_token_budget([Attribute.TITLE])
        if longest * 3 > timeout_seconds:
            lines.append(
                f"An answer with every field may take about {longest:.0f} s here: set "
                f"LLM_TIMEOUT_SECONDS={int(longest * 3) + 1} (now {timeout_seconds:g})."
            )
        return lines


_KNOWN: dict[tuple[str, str], Capabilities] = {}


def remember(capabilities: Capabilities) -> None:
    _KNOWN[(capabilities.base_url, capabilities.model)] = capabilities


def known(base_url: str, model: str) -> Capabilities | None:
    return _KNOWN.get((base_url, model))


async def probe(client: openai.AsyncOpenAI, *, base_url: str, model: str, limit_param: str) -> Capabilities:
    """Ask the server; every call is small (a title, or 16 tokens of a description)."""
    models = await _models(client)
    title = GenerationRequest(product=SAMPLE, attributes=(Attribute.TITLE,), language="en")
    modes = []
    for mode in MODES[:-1]:
        try:
            await _call(client, model, title, mode, {limit_param: output_token_budget(title.attributes)})
        except openai.APIStatusError:
            continue
        modes.append(mode)
    modes.append("text")

    honoured = None
    other = "max_completion_tokens" if limit_param == "max_tokens" else "max_tokens"
    description = GenerationRequest(product=SAMPLE, attributes=(Attribute.DESCRIPTION,), language="en")
    for param in (limit_param, other):
        try:
            completion = await _call(client, model, description, "text", {param: TINY_LIMIT})
        except openai.APIError:
            continue
        usage = completion.usage
        if completion.choices[0].finish_reason == "length" and usage and usage.completion_tokens <= TINY_LIMIT:
            honoured = param
            break

    latency = None
    one_at_a_time = False
    params = {honoured or limit_param: output_token_budget(title.attributes)}
    try:
        started = time.monotonic()
        await _call(client, model, title, modes[0], params)
        latency = time.monotonic() - started
        started = time.monotonic()
        await asyncio.gather(*(_call(client, model, title, modes[0], params) for _ in range(3)))
        together = time.monotonic() - started
        one_at_a_time = latency >= MEASURABLE_SECONDS and together >= SERIAL_RATIO * latency
    except openai.APIError:
        pass
    return Capabilities(
        base_url=base_url,
        model=model,
        models=models,
        modes=tuple(modes),
        limit_param=honoured,
        latency_seconds=latency,
        one_at_a_time=one_at_a_time,
        probed_at=time.time(),
    )


async def _models(client: openai.AsyncOpenAI) -> tuple[str, ...]:
    try:
        page = await client.models.list()
    except openai.APIError:
        return ()
    return tuple(m.id for m in page.data)


async def _call(
    client: openai.AsyncOpenAI, model: str, request: GenerationRequest, mode: str, limit: dict[str, int]
) -> Any:
    fmt = response_format(mode, request.attributes)
    options: dict[str, Any] = {**limit} if fmt is None else {**limit, "response_format": fmt}
    messages: Any = build_messages(request, mode=mode)
    return await client.chat.completions.create(model=model, messages=messages, **options)
