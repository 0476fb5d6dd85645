"""Job and item states, and how a job's status follows from its item counters."""

from __future__ import annotations

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
    LLM_UNAVAILABLE = "llm_unavailable"
    LLM_BAD_OUTPUT = "llm_bad_output"
    LLM_REFUSED = "llm_refused"
    WORKER_LOST = "worker_lost"
    INTERNAL = "internal"


SOURCE_SCOPES = ("products", "collections")


def finished_status(total: int, done: int, failed: int, canceled: int) -> JobStatus | None:
    """The final status once every item has finished, else None (still running).

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
