"""Who made the app write a value, and the versions of a product's field as its publish log tells
them: the value before the app first wrote it, each value published, reverted or put back since,
and values set in the store between two of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    OWNER = "owner"  # from the dashboard
    AUTOMATION = "automation"  # a rule the owner set that runs on its own
    WEBHOOK = "webhook"  # a platform's event


@dataclass(frozen=True)
class Actor:
    """What made the app write. A session identifies the store, not a person: `user_id` is the
    platform's user when the token the owner came with names one (a Shopify session token's `sub`,
    a Wix instance's `uid`), else None."""

    kind: ActorKind
    user_id: str | None = None


OWNER = Actor(ActorKind.OWNER)


def actor_json(kind: str | None, user_id: str | None) -> dict[str, Any] | None:
    return None if kind is None else {"kind": kind, "user_id": user_id}


class Side(StrEnum):
    """Which value of a log entry a version is: the one it wrote or the one it replaced."""

    PUBLISHED = "published"
    REPLACED = "replaced"


class VersionKind(StrEnum):
    ORIGINAL = "original"  # the value before the app first wrote this field
    PUBLISHED = "published"  # a job's value, published
    REVERTED = "reverted"  # the value a revert wrote back
    RESTORED = "restored"  # an earlier version put back from the history
    STORE = "store"  # set in the store (not by the app) before the app wrote the field again


@dataclass(frozen=True)
class LogEntry:
    """One publish-log row of a field, with what the history shows of it."""

    id: int
    old_value: str
    new_value: str
    published_at: datetime
    reverted_at: datetime | None
    actor: Actor
    reverted_by: Actor | None
    restored_from: int | None
    job_id: int | None
    job_number: int | None
    item_id: int | None


@dataclass(frozen=True)
class Version:
    """A value the field held. (`log_id`, `side`) names it: the entry and which of its values it
    is, as a request to put it back names it. `at` is when the app wrote it (None for the original
    and for a value set in the store, whose time the app does not know)."""

    kind: VersionKind
    value: str
    log_id: int
    side: Side
    at: datetime | None = None
    actor: Actor | None = None
    job_id: int | None = None
    job_number: int | None = None
    item_id: int | None = None
    restored_from: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "value": self.value,
            "log_id": self.log_id,
            "side": self.side.value,
            "at": self.at.isoformat() if self.at else None,
            "actor": actor_json(self.actor.kind, self.actor.user_id) if self.actor else None,
            "job_id": self.job_id,
            "job_number": self.job_number,
            "item_id": self.item_id,
            "restored_from": self.restored_from,
        }


def same_text(a: str | None, b: str | None) -> bool:
    """Equal but for runs of whitespace, as a platform may store them."""
    return _normalise(a) == _normalise(b)


def _normalise(value: str | None) -> str:
    return re.sub(r"\s+", " ", value or "").strip()


def versions(entries: Sequence[LogEntry]) -> list[Version]:
    """The field's versions, oldest first, from its log entries (in any order): each write of the
    app at the time it happened (a publish or a restore at `published_at`, a revert at
    `reverted_at`), preceded by the value it replaced when that is not the version before it —
    the original for the first, a value set in the store for a later one."""
    events: list[tuple[datetime, int, int, LogEntry]] = []
    for e in entries:
        events.append((e.published_at, e.id, 0, e))
        if e.reverted_at is not None:
            events.append((e.reverted_at, e.id, 1, e))
    out: list[Version] = []
    for at, _, is_revert, e in sorted(events, key=lambda ev: ev[:3]):
        if is_revert:
            out.append(Version(VersionKind.REVERTED, e.old_value, e.id, Side.REPLACED, at, e.reverted_by))
            continue
        if not out:
            out.append(Version(VersionKind.ORIGINAL, e.old_value, e.id, Side.REPLACED))
        elif not same_text(out[-1].value, e.old_value):
            out.append(Version(VersionKind.STORE, e.old_value, e.id, Side.REPLACED))
        kind = VersionKind.RESTORED if e.restored_from is not None else VersionKind.PUBLISHED
        out.append(
            Version(
                kind,
                e.new_value,
                e.id,
                Side.PUBLISHED,
                at,
                e.actor,
                job_id=e.job_id,
                job_number=e.job_number,
                item_id=e.item_id,
                restored_from=e.restored_from,
            )
        )
    return out
