"""Job and item states, and how a job's status follows from its item counters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    DONE_WITH_FAILURES = "DONE_WITH_FAILURES"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class ItemStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class ReviewState(StrEnum):
    """Where an item stands in the owner's review (beside its ItemStatus)."""

    NEW = "NEW"  # ready: a suggestion nobody has decided on yet
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EDITED = "EDITED"  # the owner's own value
    PUBLISHED = "PUBLISHED"
    REVERTED = "REVERTED"
    NO_CHANGE = "NO_CHANGE"  # the model found nothing to improve: the value stays as it was


# The review filters of a job's items list (GET /api/jobs/{id}/items?state=…); sql/jobs.sql's
# list_items says what each one holds.
ITEM_FILTERS = (
    "ready", "flagged", "accepted", "edited", "rejected", "no_change", "published", "reverted", "refused",
)  # fmt: skip

# How many times one field may be written again on request: past that, the owner edits it.
MAX_REGENERATIONS = 5
MAX_NOTE_CHARS = 200


def publish_refusal(
    review_state: str,
    flags: Sequence[object],
    *,
    score: int | None = None,
    min_score: int | None = None,
) -> str | None:
    """Why a DONE, unpublished item is not published, as a publish outcome's status; None when it
    may be. A rejected suggestion and one that changes nothing never are; a flagged one (facts the
    product data does not state) only once the owner accepted or edited it. With `min_score`, one
    whose quality `score` is lower, or that has none, is not either.

    Every path that writes a suggestion to a store asks this (publishing.publish_items, before and
    again under the items' row locks): there is no other."""
    if review_state == ReviewState.REJECTED:
        return "rejected"
    if review_state == ReviewState.NO_CHANGE:
        return "no_change"
    if flags and review_state not in (ReviewState.ACCEPTED, ReviewState.EDITED):
        return "needs_review"
    if min_score is not None and (score is None or score < min_score):
        return "below_score"
    return None


class ItemReason(StrEnum):
    """Why an item failed (or why its last try did), as a code beside the English `error`: the
    dashboard words the code in the owner's language."""

    EMPTY = "empty"
    UNCHANGED = "unchanged"
    TOO_LONG = "too_long"
    LEFT_OUT = "left_out"
    REJECTED = "rejected"
    WRONG_LANGUAGE = "wrong_language"
    INSTRUCTION_ECHO = "instruction_echo"
    GLOSSARY_BANNED = "glossary_banned"
    GLOSSARY_TERM = "glossary_term"
    DUPLICATE_CONTENT = "duplicate_content"
    MALFORMED = "malformed"  # image alt text that does not give one text for each image
    LLM_UNAVAILABLE = "llm_unavailable"
    LLM_BAD_OUTPUT = "llm_bad_output"
    LLM_REFUSED = "llm_refused"
    WORKER_LOST = "worker_lost"
    INTERNAL = "internal"


SOURCE_SCOPES = ("products", "collections", "query")


def finished_status(total: int, done: int, failed: int, canceled: int) -> JobStatus | None:
    """The final status once every item has finished, else None (still running). Items that
    needed no change are DONE: a job whose other items all succeeded is DONE too.

    Mirrors the SQL function job_status_after (migration 008); a test keeps the two in step."""
    if done + failed + canceled < total:
        return None
    if done == total:
        return JobStatus.DONE
    if done > 0:
        return JobStatus.DONE_WITH_FAILURES
    if failed > 0:
        return JobStatus.FAILED
    return JobStatus.CANCELED


def retry_delay(attempt: int, base_seconds: float, retry_after: float | None = None, cap: float = 600.0) -> float:
    """Seconds before the next try: the server's Retry-After when given, else exponential backoff."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, cap)
    backoff: float = base_seconds * 2.0 ** max(0, attempt - 1)
    return min(backoff, cap)


def eta_seconds(
    status: str, *, remaining: int, finished: int, running_seconds: float | None, fallback_rate: float | None
) -> int | None:
    """Seconds until a job's remaining items are finished: at the job's own finishing rate so far
    (items finished over the time since its first claim), or, before any of its items finished,
    at `fallback_rate` (items a second the workers finished lately). None once the job has ended,
    and when neither rate is known."""
    if status not in (JobStatus.PENDING, JobStatus.RUNNING):
        return None
    if remaining <= 0:
        return 0
    rate = finished / running_seconds if finished > 0 and running_seconds and running_seconds > 0 else None
    rate = rate or fallback_rate
    if not rate or rate <= 0:
        return None
    return math.ceil(remaining / rate)
