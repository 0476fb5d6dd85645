"""Automation rules: what the owner chose (mode, fields, language, voice, cap, sweep), how a change
of them is read and checked, and the decisions the worker's automation step takes from them —
whether a changed product is queued, how many fit under the month's cap, when the next sweep is
due. Pure: the I/O is in automation.py (docs/automation.md tells the why)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .attributes import TEXT_ATTRIBUTES, Attribute, parse_attributes
from .empty_fields import is_empty
from .history import same_text
from .languages import OFFERED_LANGUAGES, parse_language
from .products import Product


class Mode(StrEnum):
    OFF = "off"
    REVIEW = "review"  # drafts wait on the Results screen
    PUBLISH = "publish"  # drafts that pass every gate are published; the rest wait for review


class Sweep(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


DEFAULT_MONTHLY_CAP = 200
MAX_MONTHLY_CAP = 1_000_000
# A product automation queued is not queued again sooner: a product saved many times in a minute
# (or changed again by the job it is in) makes one job, not one per save.
COOLDOWN = timedelta(seconds=60)

KEYS = (
    "mode",
    "paused",
    "attributes",
    "language",
    "voice_id",
    "only_empty",
    "min_score",
    "monthly_credit_cap",
    "sweep",
)


class RuleError(ValueError):
    """A rule change that cannot be taken; `field` names the key at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rules:
    """A store's automation rules and the state automation keeps beside them."""

    mode: Mode = Mode.OFF
    paused: bool = False
    attributes: tuple[Attribute, ...] = TEXT_ATTRIBUTES
    language: str | None = None  # None: the store's default language
    voice_id: int | None = None  # None: the store's default brand voice
    only_empty: bool = False
    min_score: int | None = None
    monthly_credit_cap: int = DEFAULT_MONTHLY_CAP
    sweep: Sweep = Sweep.OFF
    # Credits automation charged in the credit period ending on `period_resets_on`.
    credits_used: int = 0
    period_resets_on: date | None = None
    cap_reached_for: date | None = None  # the period whose cap stop was recorded
    next_sweep_at: datetime | None = None
    last_sweep_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Automation queues products (it never does when off or paused)."""
        return self.mode is not Mode.OFF and not self.paused

    @property
    def publishes(self) -> bool:
        return self.mode is Mode.PUBLISH and not self.paused

    def credits_used_in(self, period: date) -> int:
        """What automation charged in the store's credit period ending on `period` (0 once the
        store's reset date has moved past the one it was counted in)."""
        return self.credits_used if self.period_resets_on == period else 0

    def cap_left(self, period: date) -> int:
        return max(0, self.monthly_credit_cap - self.credits_used_in(period))

    def cap_reached(self, period: date) -> bool:
        """The cap stopped automation in this period, or leaves nothing to spend."""
        return self.cap_reached_for == period or self.cap_left(period) == 0


def parse_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """The rule changes of a PUT body, checked and typed; RuleError names the first bad key."""
    unknown = sorted(set(body) - set(KEYS))
    if unknown:
        raise RuleError(unknown[0], f"Unknown setting {unknown[0][:40]!r}; allowed: {', '.join(KEYS)}.")
    changes: dict[str, Any] = {}
    for key, value in body.items():
        changes[key] = _PARSERS[key](value)
    return changes


def _mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise RuleError("mode", "mode must be 'off', 'review' or 'publish'.") from None


def _sweep(value: Any) -> Sweep:
    try:
        return Sweep(value)
    except ValueError:
        raise RuleError("sweep", "sweep must be 'off', 'daily' or 'weekly'.") from None


def _flag(name: str) -> Any:
    def parse(value: Any) -> bool:
        if not isinstance(value, bool):
            raise RuleError(name, f"{name} must be true or false.")
        return value

    return parse


def _attributes(value: Any) -> tuple[Attribute, ...]:
    try:
        return parse_attributes(value)
    except ValueError as exc:
        raise RuleError("attributes", f"attributes: {exc}.") from None


def _language(value: Any) -> str | None:
    if value is None:
        return None
    language = parse_language(value)
    if language is None:
        raise RuleError("language", f"language must be one of {', '.join(OFFERED_LANGUAGES)}, or null.")
    return language


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _voice_id(value: Any) -> int | None:
    if value is None:
        return None
    if not _whole(value) or value < 1:
        raise RuleError("voice_id", "voice_id must be the id of one of the store's brand voices, or null.")
    return int(value)


def _min_score(value: Any) -> int | None:
    if value is None:
        return None
    if not _whole(value) or not 0 <= value <= 100:
        raise RuleError("min_score", "min_score must be a whole number from 0 to 100, or null.")
    return int(value)


def _cap(value: Any) -> int:
    if not _whole(value) or not 0 <= value <= MAX_MONTHLY_CAP:
        raise RuleError("monthly_credit_cap", f"monthly_credit_cap must be a whole number from 0 to {MAX_MONTHLY_CAP}.")
    return int(value)


_PARSERS = {
    "mode": _mode,
    "paused": _flag("paused"),
    "attributes": _attributes,
    "language": _language,
    "voice_id": _voice_id,
    "only_empty": _flag("only_empty"),
    "min_score": _min_score,
    "monthly_credit_cap": _cap,
    "sweep": _sweep,
}


def apply_changes(rules: Rules, changes: Mapping[str, Any], *, now: datetime) -> tuple[Rules, list[str]]:
    """The rules with `changes` taken, and the names of the settings that changed value. Turning a
    sweep on (or moving between daily and weekly) makes the first one due now; off, none."""
    changed = [k for k, v in changes.items() if getattr(rules, k) != v]
    updated = replace(rules, **changes)
    if "sweep" in changed:
        updated = replace(updated, next_sweep_at=None if updated.sweep is Sweep.OFF else now)
    return updated, changed


def sweep_period(sweep: Sweep, *, daily_seconds: float, weekly_seconds: float) -> timedelta:
    return timedelta(seconds=daily_seconds if sweep is Sweep.DAILY else weekly_seconds)


def fingerprint(product: Product, attributes: Sequence[Attribute]) -> str:
    """The configured fields' values, as one short digest (whitespace runs do not count)."""
    values = [[a.value, " ".join((product.value(a) or "").split())] for a in sorted(attributes)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ProductFacts:
    """What the database knows of a changed product, for the decision whether to queue it.

    `last_written`: per field, the value the app last wrote to the store (the latest publish-log
    entry's value, or the value a revert of it wrote back); `baseline`: the product as the job that
    wrote the newest of those entries read it (for the fields that job did not write), None when
    the app has not written it; `waiting`: an automation job still has the product in flight or a
    draft of it nobody has decided on; `fingerprint` / `last_queued_at`: what automation queued last."""

    last_written: Mapping[Attribute, str]
    baseline: Product | None = None
    waiting: bool = False
    fingerprint: str | None = None
    last_queued_at: datetime | None = None


class Decision(StrEnum):
    QUEUE = "queue"
    OWN_WRITE = "own_write"  # the change is the app's own publish (or revert) arriving back
    WAITING = "waiting"  # a draft of it waits for review, or a job has it in flight
    UNCHANGED = "unchanged"  # its fields are as automation last queued them
    NOTHING_EMPTY = "nothing_empty"  # only empty fields are written and it has none
    COOLING_DOWN = "cooling_down"  # queued less than COOLDOWN ago: taken again after that


def decide(
    product: Product, facts: ProductFacts, attributes: Sequence[Attribute], *, only_empty: bool, now: datetime
) -> Decision:
    """Whether a changed product is queued, in this order: the app's own write, a draft waiting,
    unchanged since last queued, nothing empty to write, then the cooldown."""
    if is_own_write(product, facts, attributes):
        return Decision.OWN_WRITE
    if facts.waiting:
        return Decision.WAITING
    if facts.fingerprint is not None and facts.fingerprint == fingerprint(product, attributes):
        return Decision.UNCHANGED
    if only_empty and not any(is_empty(a, product.value(a)) for a in attributes):
        return Decision.NOTHING_EMPTY
    if facts.last_queued_at is not None and now - facts.last_queued_at < COOLDOWN:
        return Decision.COOLING_DOWN
    return Decision.QUEUE


def is_own_write(product: Product, facts: ProductFacts, attributes: Sequence[Attribute]) -> bool:
    """Every configured field holds what the app last wrote to it, or, for a field the app has not
    written, what it held when the job that last wrote the product read it. False when the app has
    never written any of them."""
    if not any(a in facts.last_written for a in attributes):
        return False
    return _holds_what_the_app_left(product, facts, attributes)


def is_own_change(product: Product, facts: ProductFacts) -> bool:
    """Whether a change the platform reported is the app's own write arriving back, for the audit
    trail, whatever fields automation is set to: the app has written the product, and each text
    field (and the images' alt text, when the product was read with its images and the app wrote
    or read them) holds what the app last wrote to it or what it held when the app's newest write
    read the product. A change to fields the app never reads (price, stock) on a product whose
    written fields still hold the app's values cannot be told from it."""
    if not facts.last_written and facts.baseline is None:
        return False
    compared = list(TEXT_ATTRIBUTES)
    if product.images is not None and (
        Attribute.IMAGE_ALT in facts.last_written or (facts.baseline is not None and facts.baseline.images is not None)
    ):
        compared.append(Attribute.IMAGE_ALT)
    return _holds_what_the_app_left(product, facts, compared)


def _holds_what_the_app_left(product: Product, facts: ProductFacts, attributes: Sequence[Attribute]) -> bool:
    for a in attributes:
        if a in facts.last_written:
            expected: str | None = facts.last_written[a]
        elif facts.baseline is not None:
            expected = facts.baseline.value(a)
        else:
            return False
        if not same_text(product.value(a), expected):
            return False
    return True


def fitting(costs: Sequence[int], budget: int) -> int:
    """How many of the first costs, taken in order, fit in `budget` together."""
    spent = 0
    for n, cost in enumerate(costs):
        if spent + cost > budget:
            return n
        spent += cost
    return len(costs)
