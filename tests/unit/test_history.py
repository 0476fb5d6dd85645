"""A field's versions from its publish log: the original, each value published, reverted or put
back in the order they happened, and values set in the store in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from optimizer_app.domain.history import (
    OWNER,
    Actor,
    ActorKind,
    LogEntry,
    Side,
    VersionKind,
    same_text,
    versions,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOPIFY_USER = Actor(ActorKind.OWNER, "42")


def entry(
    id: int,
    old: str,
    new: str,
    minute: int,
    *,
    reverted: int | None = None,
    restored_from: int | None = None,
    actor: Actor = OWNER,
) -> LogEntry:
    return LogEntry(
        id=id,
        old_value=old,
        new_value=new,
        published_at=T0 + timedelta(minutes=minute),
        reverted_at=T0 + timedelta(minutes=reverted) if reverted is not None else None,
        actor=actor,
        reverted_by=SHOPIFY_USER if reverted is not None else None,
        restored_from=restored_from,
        job_id=None if restored_from else 100 + id,
        job_number=None if restored_from else id,
        item_id=None if restored_from else 1000 + id,
    )


def summary(entries: list[LogEntry]) -> list[tuple[str, str, int, str]]:
    return [(v.kind.value, v.value, v.log_id, v.side.value) for v in versions(entries)]


def test_three_publishes_read_as_the_original_then_each_value() -> None:
    entries = [
        entry(1, "Lamp", "Oak lamp", 1),
        entry(2, "Oak lamp", "Oak table lamp", 2),
        entry(3, "Oak table lamp", "Lamp of oak", 3),
    ]
    assert summary(entries) == [
        ("original", "Lamp", 1, "replaced"),
        ("published", "Oak lamp", 1, "published"),
        ("published", "Oak table lamp", 2, "published"),
        ("published", "Lamp of oak", 3, "published"),
    ]
    first = versions(entries)[1]
    assert (first.job_id, first.job_number, first.item_id, first.actor) == (101, 1, 1001, OWNER)
    assert versions(entries)[0].at is None and versions(entries)[0].actor is None


def test_reverts_and_restores_take_their_place_in_time_and_store_edits_show_between() -> None:
    entries = [
        entry(1, "Lamp", "Oak lamp", 1, reverted=5),
        # The owner renamed it in the store to "Desk lamp" before the second job published.
        entry(2, "Desk lamp", "Oak desk lamp", 3, actor=SHOPIFY_USER),
        entry(3, "Lamp", "Oak lamp", 7, restored_from=1),
    ]
    got = versions(entries)
    assert summary(entries) == [
        ("original", "Lamp", 1, "replaced"),
        ("published", "Oak lamp", 1, "published"),
        ("store", "Desk lamp", 2, "replaced"),
        ("published", "Oak desk lamp", 2, "published"),
        ("reverted", "Lamp", 1, "replaced"),
        ("restored", "Oak lamp", 3, "published"),
    ]
    assert got[3].actor == SHOPIFY_USER and got[4].actor == SHOPIFY_USER
    assert got[4].at == T0 + timedelta(minutes=5) and got[5].restored_from == 1
    assert got[5].as_json()["actor"] == {"kind": "owner", "user_id": None}
    assert [k.value for k in VersionKind] == ["original", "published", "reverted", "restored", "store"]


def test_whitespace_alone_is_not_a_change_in_the_store() -> None:
    entries = [entry(1, "Lamp", "Oak  lamp", 1), entry(2, "Oak lamp\n", "Oak table lamp", 2)]
    assert [v.kind for v in versions(entries)] == [VersionKind.ORIGINAL, VersionKind.PUBLISHED, VersionKind.PUBLISHED]
    assert same_text(" a \n b", "a b") and not same_text("a", "b") and same_text(None, "")


def test_no_entries_no_versions() -> None:
    assert versions([]) == [] and Side("replaced") is Side.REPLACED
