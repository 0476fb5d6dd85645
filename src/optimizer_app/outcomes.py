"""What an LLM answer, or the error in its place, means for the items it covered: results to save
(an answer equal to the current text among them, saved as "no change needed" and refunded), and
failures to retry or fail and refund. One place for both ways items reach the LLM, live calls
(worker.py) and the Batch API (batches.py), so both settle by the same rules."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache

from prometheus_client import Counter

from .domain.attributes import Attribute
from .domain.jobs import ItemReason, retry_delay
from .llm.base import (
    Generation,
    GenerationRequest,
    LLMOutputError,
    LLMPermanentError,
    LLMTransientError,
    Rewrite,
    Usage,
)
from .llm.checks import describe_rejection, is_unchanged
from .llm.pricing import Price, price_of
from .llm.scoring import score_value
from .metrics import LLM_COST, LLM_TOKENS
from .queue import NO_USAGE, ClaimedItem, ItemFailure, ItemResult, ItemUsage

log = logging.getLogger(__name__)

Outcomes = tuple[list[ItemResult], list[ItemFailure]]


def by_product(items: Sequence[ClaimedItem]) -> list[list[ClaimedItem]]:
    """Items grouped by job and product: one LLM request each."""
    groups: dict[tuple[int, str], list[ClaimedItem]] = defaultdict(list)
    for item in items:
        groups[(item.job_id, item.product_id)].append(item)
    return list(groups.values())


def without_pictures(items: Sequence[ClaimedItem]) -> tuple[list[ClaimedItem], list[ItemResult]]:
    """(the items to ask the model for, the results of the others): image alt text of a product
    that has no image whose alt text can be written needs no call; it is settled as no change
    needed, so its credit comes back."""
    settled: list[ItemResult] = []
    keep: list[ClaimedItem] = []
    for item in items:
        if item.attribute is Attribute.IMAGE_ALT and not any(i.ready for i in item.product.images or ()):
            current = item.product.value(item.attribute) if item.product.images is not None else "[]"
            settled.append(ItemResult(item.id, current, no_change=True))
        else:
            keep.append(item)
    return keep, settled


def generation_request(items: Sequence[ClaimedItem]) -> GenerationRequest:
    """The request for one product's items (all of one job and product); fields the owner asked to
    be written again carry the suggestion they set aside and their note."""
    first = items[0]
    return GenerationRequest(
        product=first.product,
        attributes=tuple(i.attribute for i in items),
        language=first.target_lang,
        instructions=first.user_prompt,
        brand_voice=first.brand_voice,
        glossary=first.glossary,
        rewrites=tuple(Rewrite(i.attribute, i.previous or "", i.note or "") for i in items if i.regenerated),
    )


def call_label(exc: BaseException | None) -> str:
    """The outcome label of an LLM call for /metrics."""
    if exc is None:
        return "ok"
    if isinstance(exc, LLMTransientError):
        return "transient"
    if isinstance(exc, LLMOutputError):
        return "bad_output"
    if isinstance(exc, LLMPermanentError):
        return "refused"
    return "error"


def of_error(items: Sequence[ClaimedItem], exc: Exception, retry_base_seconds: float) -> Outcomes:
    """Every item failed with the call: transient kinds retry, a refusal is final."""
    if isinstance(exc, LLMTransientError):
        reason, error, after, permanent = (
            ItemReason.LLM_UNAVAILABLE, _describe(exc, "The AI service is busy"), exc.retry_after, False
        )  # fmt: skip
    elif isinstance(exc, LLMOutputError):
        reason, error, after, permanent = (
            ItemReason.LLM_BAD_OUTPUT, _describe(exc, "The AI answer was unusable"), None, False
        )  # fmt: skip
    elif isinstance(exc, LLMPermanentError):
        reason, error, after, permanent = (
            ItemReason.LLM_REFUSED, _describe(exc, "The AI service refused the request"), None, True
        )  # fmt: skip
    else:  # a provider bug must not kill the worker; the item retries
        log.error("provider failed on product %s", items[0].product_id, exc_info=exc)
        reason, error, after, permanent = ItemReason.INTERNAL, f"Unexpected error: {exc}", None, False
    return [], [_failure(i, reason, error, after, permanent, retry_base_seconds) for i in items]


def of_generation(
    items: Sequence[ClaimedItem],
    generation: Generation,
    retry_base_seconds: float,
    *,
    default_model: str,
    prices: Mapping[str, Price],
) -> Outcomes:
    """Accepted values are saved; a field answered with its current text needs no change (saved as
    such, its credit refunded); each rejected field retries unless the provider says it is final.
    Every item carries the model that answered and its share of the call's tokens and cost."""
    model = generation.model or default_model
    shares = spend(model, generation.usage, len(items), prices)
    results: list[ItemResult] = []
    failures: list[ItemFailure] = []
    for item, share in zip(items, shares, strict=True):
        value = generation.values.get(item.attribute)
        rejection = generation.rejected.get(item.attribute, "no value returned")
        if value is not None:
            flags = generation.flags.get(item.attribute, [])
            score = score_value(
                item.attribute, value, product_name=item.product.title, language=item.target_lang, flags=len(flags)
            )
            results.append(ItemResult(item.id, value, flags, model=model, usage=share, quality=score))
        elif is_unchanged(rejection):
            current = item.product.value(item.attribute)
            results.append(ItemResult(item.id, current, model=model, usage=share, no_change=True))
        else:
            code, error = describe_rejection(rejection)
            permanent = not generation.retry_rejected
            failures.append(_failure(item, code, error, None, permanent, retry_base_seconds, share))
    return results, failures


def spend(model: str, usage: Usage, parts: int, prices: Mapping[str, Price]) -> list[ItemUsage]:
    """Count a call's tokens and cost, and split them evenly over the `parts` items it served
    (the first ones take the remainder, so the shares add up to the call)."""
    cost = price_of(model, prices).cost(usage.prompt_tokens, usage.completion_tokens)
    prompt_tokens, completion_tokens, dollars = _spend_counters(model)
    prompt_tokens.inc(usage.prompt_tokens)
    completion_tokens.inc(usage.completion_tokens)
    dollars.inc(float(cost))
    pt, pt_rest = divmod(usage.prompt_tokens, parts)
    ct, ct_rest = divmod(usage.completion_tokens, parts)
    cost_share = (cost / parts).quantize(Decimal("1e-8"))
    return [
        ItemUsage(pt + (i < pt_rest), ct + (i < ct_rest), cost - cost_share * (parts - 1) if i == 0 else cost_share)
        for i in range(parts)
    ]


@lru_cache(maxsize=256)
def _spend_counters(model: str) -> tuple[Counter, Counter, Counter]:
    # Every answer counts into these: look the labelled counters up once per model.
    return LLM_TOKENS.labels(model, "prompt"), LLM_TOKENS.labels(model, "completion"), LLM_COST.labels(model)


def _failure(
    item: ClaimedItem,
    reason: ItemReason,
    error: str,
    retry_after: float | None,
    permanent: bool,
    base: float,
    usage: ItemUsage = NO_USAGE,
) -> ItemFailure:
    return ItemFailure(item.id, reason, error, retry_delay(item.attempts, base, retry_after), permanent, usage)


def _describe(exc: Exception, summary: str) -> str:
    detail = str(exc).strip()
    return f"{summary}: {detail}" if detail else summary
