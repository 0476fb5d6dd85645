"""The llm-check table: what it counts, and the checks that fail it."""

from __future__ import annotations

from typing import Any

from bench.llm_counter import Call
from bench.llm_report import Ledger, build_report

FINISHED = {"status": "DONE_WITH_ERRORS", "finished_at": "2026-12-05T00:00:00+00:00"}


def item(n: int, attribute: str, status: str = "DONE", **fields: Any) -> dict[str, Any]:
    base = {"id": n, "attribute": attribute, "status": status, "attempts": 1, "flags": []}
    return {**base, "reason": None, "error": None, **fields}


def call(
    status: int = 200, finish: str = "stop", prompt: int = 500, completion: int = 100, abandoned: bool = False
) -> Call:
    return Call(0.0, 2.0, status, "max_tokens=400", "json_object", 0.2, finish, prompt, completion, abandoned)


ITEMS = [
    item(1, "title", before="mug", after="Blue mug", flags=["number not in the product data: 42", "claim: organic"]),
    item(2, "seo_title", before="", after="Blue mug | Shop", flags=["number not in the product data: 7"]),
    item(3, "description", "FAILED", attempts=4, reason="llm_unavailable", error="The AI service is busy: timeout"),
    item(4, "seo_description", "FAILED", attempts=2, reason="too_long", error="Too long: 190 characters"),
]


def test_the_table_counts_fields_reasons_flags_calls_and_tokens() -> None:
    calls = [call(), call(finish="length", completion=300, abandoned=True), call(status=500, prompt=0, completion=0)]
    report = build_report(FINISHED, ITEMS, calls, Ledger(4, 2, 98, 98), products=2, seconds=30.0)
    rows = dict(report.rows)
    assert rows["fields done"] == "2 of 4 (seo_title 1, title 1)"
    assert rows["refused: llm_unavailable"] == "1 — The AI service is busy: timeout"
    assert rows["refused: too_long"] == "1 — Too long: 190 characters"
    assert rows["flags"] == "number not in the product data × 2, claim × 1"
    assert (rows["e.g. title"], rows["e.g. seo_title"]) == ("'mug' → 'Blue mug'", "'' → 'Blue mug | Shop'")
    assert rows["attempts per field"] == "mean 2.0, max 4"
    assert rows["seconds per product"].startswith("15.0 ")
    assert rows["LLM calls"] == "3 (1.5 per product); HTTP 200 × 2, 500 × 1"
    assert rows["answers the worker no longer waited for"] == "1 (the server still spent 2 s on them)"
    assert rows["finish reasons"] == "stop × 1, length × 1"
    assert rows["tokens prompt / completion"] == "1,000 / 400 (per call 333 / 133)"
    # Three calls open together for two seconds: the server was busy two seconds, not six.
    assert rows["completion tokens per second the server was busy"] == "200.0"
    assert rows["requests sent"] == "max_tokens=400, json_object, temperature 0.2 (× 3)"
    assert report.passed, report.failures


def test_a_refused_field_without_its_refund_or_reason_fails_the_check() -> None:
    items = [*ITEMS, item(5, "title", "FAILED", reason=None, error=None), item(6, "title", "PENDING")]
    running = {"status": "RUNNING", "finished_at": None}
    report = build_report(running, items, [], Ledger(6, 2, 90, 91), products=2, seconds=1)
    assert report.failures == [
        "the job did not finish",
        "fields refused without a stated reason: [5]",
        "fields neither answered nor refused: [6]",
        "refunded 2 credits for 3 refused fields",
        "balance 90 != ledger sum 91",
    ]
    assert "FAILED: balance 90 != ledger sum 91" in report.text()
