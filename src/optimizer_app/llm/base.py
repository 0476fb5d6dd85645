"""The LLMProvider protocol and the errors that tell the worker whether to retry.

LLMError
├── LLMTransientError   429, 5xx, timeouts, connection errors: retry later (retry_after)
├── LLMOutputError      unusable answer as a whole (garbage, truncated): retry
└── LLMPermanentError   auth refused, quota exhausted, bad request: fail, do not retry
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..domain.attributes import Attribute
from ..domain.brand_voices import BrandVoice
from ..domain.glossary import DEFAULT_GLOSSARY, Glossary
from ..domain.products import Product
from .facts import FactFlag


@dataclass(frozen=True)
class Rewrite:
    """A field the store owner asked to be written again: the suggestion they set aside and their
    note on what to change ("shorter"), which may be empty."""

    attribute: Attribute
    previous: str
    note: str = ""


@dataclass(frozen=True)
class GenerationRequest:
    """One product's fields to write. The brand voice and the glossary shape the wording (the
    prompt gives them as data); the glossary is also enforced on the answer (checks.py)."""

    product: Product
    attributes: tuple[Attribute, ...]
    language: str
    instructions: str = ""
    brand_voice: BrandVoice | None = None
    glossary: Glossary = DEFAULT_GLOSSARY
    rewrites: tuple[Rewrite, ...] = ()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0


@dataclass(frozen=True)
class Generation:
    """What one product's generation produced.

    `values` holds only values that passed the output checks; `rejected` says, for each requested
    attribute that has no acceptable value, why (the worker retries those items unless
    `retry_rejected` is False: a deterministic provider would only answer the same again). A value
    equal to the current text is `rejected` as "unchanged": not a failure but the answer that the
    field needs no change, which the item keeps (outcomes.py).
    `flags` lists warnings for accepted values (e.g. a number not present in the input)."""

    values: dict[Attribute, str]
    rejected: dict[Attribute, str] = field(default_factory=dict)
    flags: dict[Attribute, list[FactFlag]] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    retry_rejected: bool = True


class LLMError(Exception):
    pass


class LLMTransientError(LLMError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMOutputError(LLMError):
    pass


class LLMPermanentError(LLMError):
    pass


class LLMProvider(Protocol):
    name: str

    async def generate(self, request: GenerationRequest) -> Generation: ...

    async def aclose(self) -> None: ...


# The Batch API's statuses (https://platform.openai.com/docs/api-reference/batch/object): a batch in
# one of these has ended; its output and error files hold what was answered.
BATCH_ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchState:
    id: str
    status: str
    output_file_id: str | None = None
    error_file_id: str | None = None


@runtime_checkable
class BatchLLM(Protocol):
    """A provider that also takes requests through a Batch API (economy jobs, batches.py)."""

    def batch_request(self, custom_id: str, request: GenerationRequest) -> dict[str, Any]: ...

    async def submit_batch(self, requests: list[dict[str, Any]]) -> BatchState: ...

    async def batch_state(self, batch_id: str) -> BatchState: ...

    async def batch_lines(self, file_id: str) -> list[dict[str, Any]]: ...

    async def read_batch_line(self, request: GenerationRequest, line: dict[str, Any]) -> Generation:
        """The generation a line of an output or error file carries; raises LLMError as a live call would."""
        ...
