"""A job's drafts and the catalog audit as tables (CSV and XLSX, spreadsheets.py), read a page at a
time so a large job or catalog is streamed; and an edited table of a job's drafts taken back as
the owner's edits, each row checked exactly as an edit made in the dashboard is
(jobs.edit_draft)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from . import db, jobs, sql
from .domain.history import same_text
from .errors import AppError
from .spreadsheets import Cell, SpreadsheetError, Table

Q = sql.load("exports")

_PAGE = 500

JOB_COLUMNS = ("item_id", "product_id", "product", "field", "before", "after", "status", "state", "flags", "score")
# duplicate_of: the products whose description is the same or nearly (empty until the catalog
# index finds near-duplicates).
AUDIT_COLUMNS = ("product_id", "product", "missing", "missing_count", "optimised_at", "duplicate_of")
# The columns an imported file needs: which item, and its new value.
IMPORT_KEY, IMPORT_VALUE = "item_id", "after"


def _flags_text(flags: Sequence[Any]) -> str:
    """A draft's flags as one cell: each one's text (a flag is a sentence, or an object with a
    text or a code)."""
    out = []
    for f in flags or ():
        if isinstance(f, dict):
            out.append(str(f.get("text") or f.get("message") or f.get("code") or ""))
        else:
            out.append(str(f))
    return "; ".join(x for x in out if x)


def _score(item: dict[str, Any]) -> Any:
    quality = item.get("quality")
    return quality.get("score") if isinstance(quality, dict) else None


def job_row(item: dict[str, Any]) -> list[Any]:
    """An item (as jobs.item_json shows it) as a row of JOB_COLUMNS."""
    return [
        item["id"],
        item["product_id"],
        item["product_title"] or "",
        item["attribute"],
        item["before"] or "",
        item["after"] or "",
        item["status"],
        item["review_state"],
        _flags_text(item["flags"]),
        _score(item),
    ]


async def job_rows(pool: asyncpg.Pool, *, store_id: int, job_id: int) -> AsyncIterator[list[Any]]:
    """The job's items as rows of JOB_COLUMNS, in id order, a page at a time (no connection is
    held while the caller sends them)."""
    after = 0
    while True:
        async with db.acquire(pool) as conn:
            items = await jobs.list_items(
                conn, store_id=store_id, job_id=job_id, status=None, after_id=after, limit=_PAGE
            )
        for item in items:
            yield job_row(item)
        if len(items) < _PAGE:
            return
        after = items[-1]["id"]


async def audit_rows(pool: asyncpg.Pool, *, store_id: int) -> AsyncIterator[list[Any]]:
    """Each product of the store's catalog index as a row of AUDIT_COLUMNS, in the platform's
    order, a page at a time."""
    position, product_id = -1, ""
    while True:
        async with db.acquire(pool) as conn:
            rows = await conn.fetch(Q["audit_page"], store_id, position, product_id, _PAGE)
        for r in rows:
            missing = list(r["missing_fields"] or ())
            optimised = r["optimised_at"]
            yield [
                r["product_id"],
                r["title"] or "",
                ", ".join(missing),
                len(missing),
                optimised.isoformat() if optimised else "",
                "",
            ]
        if len(rows) < _PAGE:
            return
        position, product_id = rows[-1]["pos"], rows[-1]["product_id"]


@dataclass(frozen=True)
class RowOutcome:
    """What an import did with one row: `taken` (the draft now holds its value), `unchanged` (the
    draft held it already) or `refused` (with the reason)."""

    row: int
    item_id: int | None
    status: str
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "item_id": self.item_id, "status": self.status, "reason": self.reason}


async def import_drafts(pool: asyncpg.Pool, *, store_id: int, job_id: int, table: Table) -> list[RowOutcome]:
    """Take an edited table of the job's drafts back: each row names a draft (`item_id`) and its
    value (`after`); the other columns are what the export showed and are not read. A changed
    value is saved through jobs.edit_draft, as an edit in the dashboard is; one the checks refuse
    leaves the draft as it was. SpreadsheetError when the table lacks those columns, NotFound for
    another store's job."""
    key, value = table.column(IMPORT_KEY), table.column(IMPORT_VALUE)
    if key is None or value is None:
        raise SpreadsheetError(
            f"The file needs the columns {IMPORT_KEY!r} and {IMPORT_VALUE!r} in its first row, as the export has them."
        )
    outcomes: list[RowOutcome] = []
    async with db.acquire(pool) as conn:
        await jobs.get_job(conn, store_id=store_id, job_id=job_id)
        drafts = {r["id"]: r["after_value"] for r in await conn.fetch(Q["job_drafts"], job_id, store_id)}
        seen: set[int] = set()
        for number, cells in table.rows:
            item_id = _item_id(_cell(cells, key))
            cell = _cell(cells, value)
            if item_id is None or item_id not in drafts:
                outcomes.append(RowOutcome(number, item_id, "refused", "This row names no field of this job."))
            elif item_id in seen:
                outcomes.append(RowOutcome(number, item_id, "refused", "An earlier row of the file has this field."))
            elif cell.formula:
                outcomes.append(
                    RowOutcome(number, item_id, "refused", "This cell holds a formula; type the text itself.")
                )
            elif same_text(cell.text, drafts[item_id]):
                outcomes.append(RowOutcome(number, item_id, "unchanged"))
            else:
                try:
                    async with conn.transaction():
                        await jobs.edit_draft(conn, store_id=store_id, item_id=item_id, after=cell.text)
                except AppError as exc:
                    outcomes.append(RowOutcome(number, item_id, "refused", exc.message))
                else:
                    outcomes.append(RowOutcome(number, item_id, "taken"))
            if item_id is not None:
                seen.add(item_id)
    return outcomes


def _cell(cells: list[Cell], index: int) -> Cell:
    return cells[index] if index < len(cells) else Cell("")


def _item_id(cell: Cell) -> int | None:
    text = cell.text.strip()
    if cell.formula or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)
