"""Reviewing a job's suggestions: the owner's decision on an item, and asking for a field to be
written again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, jobs, queue
from ..domain.jobs import MAX_NOTE_CHARS
from ..errors import InvalidRequest
from .context import current_store, json_body, services


async def review_item(request: Request) -> JSONResponse:
    store = await current_store(request)
    decision = (await json_body(request)).get("decision")
    if not isinstance(decision, str):
        raise InvalidRequest("decision must be one of: accept, reject, reset.", allowed=list(jobs.DECISIONS))
    async with db.acquire(services(request).pool) as conn:
        item = await jobs.review_item(
            conn, store_id=store.id, item_id=request.path_params["item_id"], decision=decision
        )
    return JSONResponse(item)


async def regenerate_item(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request) if (await request.body()).strip() else {}
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note.strip()) > MAX_NOTE_CHARS):
        raise InvalidRequest(f"note must be text of at most {MAX_NOTE_CHARS} characters.")
    item_id = request.path_params["item_id"]
    async with db.acquire(services(request).pool) as conn:
        remaining = await queue.regenerate(conn, store_id=store.id, item_id=item_id, note=(note or "").strip() or None)
        item = await jobs.get_item(conn, store_id=store.id, item_id=item_id)
    return JSONResponse({**item, "credits_remaining": remaining}, status_code=202)


routes = [
    Route("/api/items/{item_id:id}/review", review_item, methods=["POST"]),
    Route("/api/items/{item_id:id}/regenerate", regenerate_item, methods=["POST"]),
]
