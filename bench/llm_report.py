"""The table `make llm-check` prints: what a finished job and the calls behind it add up to, and the
checks the run must pass (every field answered or refused for a stated reason, every refused field
refunded, the ledger equal to the balance)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .llm_counter import Call


@dataclass(frozen=True)
class Ledger:
    """The store's credits after the job: per job from credit_ledger, and the balance against the sum."""

    charged: int
    refunded: int
    balance: int
    ledger_sum: int


@dataclass(frozen=True)
class Report:
    rows: list[tuple[str, str]]
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def text(self) -> str:
        width = max(len(label) for label, _ in self.rows)
        lines = [f"{label.ljust(width)}  {value}" for label, value in self.rows]
        lines += [f"FAILED: {failure}" for failure in self.failures] or ["all checks passed"]
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = ["| | |", "|---|---|"]
        lines += [f"| {label} | {value.replace('|', '/')} |" for label, value in self.rows]
        return "\n".join(lines)


def build_report(
    job: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    calls: Sequence[Call],
    ledger: Ledger,
    *,
    products: int,
    seconds: float,
    setup: Sequence[tuple[str, str]] = (),
) -> Report:
    """`job` and `items` as GET /api/jobs/{id} and …/items return them; `seconds` from the job's
    creation to its end; `setup` rows (the server, the worker's settings) open the table."""
    done = [i for i in items if i["status"] == "DONE"]
    refused = [i for i in items if i["status"] in ("FAILED", "CANCELED")]
    rows: list[tuple[str, str]] = [
        *setup,
        ("job", f"{job['status']} in {seconds:,.0f} s"),
        ("fields done", f"{len(done)} of {len(items)} ({_per_attribute(done)})"),
    ]
    examples: dict[str, str] = {}
    reasons: Counter[str] = Counter()
    for item in refused:
        reason = item["reason"] or ("canceled" if item["status"] == "CANCELED" else "no reason")
        reasons[reason] += 1
        examples.setdefault(reason, _clip(item["error"] or ""))
    for reason, count in reasons.most_common():
        rows.append((f"refused: {reason}", f"{count} — {examples[reason]}" if examples[reason] else str(count)))
    flags = Counter(str(flag).split(":", 1)[0] for item in done for flag in item["flags"] or [])
    rows.append(("flags", ", ".join(f"{name} × {n}" for name, n in flags.most_common()) or "none"))
    attempts = [int(i["attempts"]) for i in items]
    if attempts:
        rows.append(("attempts per field", f"mean {statistics.fmean(attempts):.1f}, max {max(attempts)}"))
    for attribute, sample in _samples(done).items():
        rows.append((f"e.g. {attribute}", sample))
    rows.append(("seconds per product", f"{seconds / max(1, products):,.1f} (job time / {products} products)"))
    rows += _call_rows(calls, products)

    failures: list[str] = []
    if job.get("finished_at") is None:
        failures.append("the job did not finish")
    unexplained = [i["id"] for i in refused if not (i["reason"] and i["error"]) and i["status"] == "FAILED"]
    if unexplained:
        failures.append(f"fields refused without a stated reason: {unexplained}")
    unfinished = [i["id"] for i in items if i["status"] not in ("DONE", "FAILED", "CANCELED")]
    if unfinished:
        failures.append(f"fields neither answered nor refused: {unfinished}")
    rows.append(
        (
            "credits",
            f"charged {ledger.charged}, refunded {ledger.refunded} for {len(refused)} refused field(s); "
            f"balance {ledger.balance}, ledger sum {ledger.ledger_sum}",
        )
    )
    if ledger.charged != len(items):
        failures.append(f"charged {ledger.charged} credits for {len(items)} fields")
    if ledger.refunded != len(refused):
        failures.append(f"refunded {ledger.refunded} credits for {len(refused)} refused fields")
    if ledger.balance != ledger.ledger_sum:
        failures.append(f"balance {ledger.balance} != ledger sum {ledger.ledger_sum}")
    return Report(rows, failures)


def _call_rows(calls: Sequence[Call], products: int) -> list[tuple[str, str]]:
    if not calls:
        return [("LLM calls", "none")]
    statuses = Counter(c.status for c in calls)
    finishes = Counter(c.finish_reason or "-" for c in calls if c.status == 200)
    seconds = [c.seconds for c in calls]
    prompt = sum(c.prompt_tokens for c in calls)
    completion = sum(c.completion_tokens for c in calls)
    busy = _busy_seconds(calls)
    asked = Counter(f"{c.limit}, {c.response_format}, temperature {c.temperature}" for c in calls)
    abandoned = [c for c in calls if c.abandoned]
    return [
        (
            "LLM calls",
            f"{len(calls)} ({len(calls) / max(1, products):.1f} per product); HTTP "
            + ", ".join(f"{s} × {n}" for s, n in sorted(statuses.items())),
        ),
        (
            "answers the worker no longer waited for",
            f"{len(abandoned)} (the server still spent {sum(c.seconds for c in abandoned):,.0f} s on them)"
            if abandoned
            else "0",
        ),
        ("finish reasons", ", ".join(f"{r} × {n}" for r, n in finishes.most_common()) or "none answered"),
        ("seconds per call", f"median {statistics.median(seconds):,.1f}, max {max(seconds):,.1f}"),
        (
            "tokens prompt / completion",
            f"{prompt:,} / {completion:,} (per call {prompt / len(calls):,.0f} / {completion / len(calls):,.0f})",
        ),
        # What a timeout needs: the server's speed on our requests, whatever waited in its queue.
        ("completion tokens per second the server was busy", f"{completion / busy:,.1f}" if busy else "-"),
        ("requests sent", "; ".join(f"{a} (× {n})" for a, n in asked.most_common())),
    ]


def _busy_seconds(calls: Sequence[Call]) -> float:
    """How long at least one call was open: a one-slot server's working time."""
    busy, until = 0.0, float("-inf")
    for call in sorted(calls, key=lambda c: c.started):
        end = call.started + call.seconds
        busy += max(0.0, end - max(call.started, until))
        until = max(until, end)
    return busy


def _samples(done: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The first accepted value of each field, beside what it replaced."""
    samples: dict[str, str] = {}
    for item in done:
        before, after = _clip(item.get("before") or "", 40), _clip(item.get("after") or "", 70)
        samples.setdefault(str(item["attribute"]), f"{before!r} → {after!r}")
    return samples


def _per_attribute(items: Sequence[Mapping[str, Any]]) -> str:
    counts = Counter(str(i["attribute"]) for i in items)
    return ", ".join(f"{a} {n}" for a, n in sorted(counts.items())) or "none"


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
