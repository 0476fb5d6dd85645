"""Publishing accepted values to the store, the publish log, and reverting published changes: one,
a selection, or all of a job's."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, publishing
from ..errors import InvalidRequest
from .context import current_store, int_param, json_body, services

MAX_ITEMS_PER_PUBLISH = 500
MAX_LOGS_PER_REVERT = 500


async def publish(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    item_ids = body.get("item_ids")
    if (
        not isinstance(item_ids, list)
        or not item_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in item_ids)
    ):
        raise InvalidRequest("item_ids must be a non-empty list of item ids (integers).")
    if len(item_ids) > MAX_ITEMS_PER_PUBLISH:
        raise InvalidRequest(f"Publish at most {MAX_ITEMS_PER_PUBLISH} items at a time.")
    svc = services(request)
    outcomes = await publishing.publish_items(
        svc.pool, svc.clients.for_store(store), store_id=store.id, item_ids=item_ids
    )
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return JSONResponse({"results": [o.as_json() for o in outcomes], "counts": counts})


async def list_logs(request: Request) -> JSONResponse:
    store = await current_store(request)
    limit = int_param(request, "limit", 50, minimum=1, maximum=200)
    before = int_param(request, "before", 0, minimum=0) or None
    async with db.acquire(services(request).pool) as conn:
        logs = await publishing.list_logs(conn, store_id=store.id, before_id=before, limit=limit)
    return JSONResponse({"logs": logs})


async def _optional_body(request: Request) -> dict[str, Any]:
    return await json_body(request) if (await request.body()).strip() else {}


def _force(body: dict[str, Any]) -> bool:
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise InvalidRequest("force must be true or false.")
    return force


async def revert(request: Request) -> JSONResponse:
    store = await current_store(request)
    force = _force(await _optional_body(request))
    svc = services(request)
    log = await publishing.revert(
        svc.pool, svc.clients.for_store(store), store_id=store.id, log_id=request.path_params["log_id"], force=force
    )
    return JSONResponse(log)


async def revert_selection(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    log_ids = body.get("log_ids")
    if (
        not isinstance(log_ids, list)
        or not log_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in log_ids)
    ):
        raise InvalidRequest("log_ids must be a non-empty list of publish log ids (integers).")
    if len(log_ids) > MAX_LOGS_PER_REVERT:
        raise InvalidRequest(f"Revert at most {MAX_LOGS_PER_REVERT} entries at a time.")
    svc = services(request)
    report = await publishing.revert_logs(
        svc.pool, svc.clients.for_store(store), store_id=store.id, log_ids=log_ids, force=_force(body)
    )
    return JSONResponse(report.as_json())


async def revert_job(request: Request) -> JSONResponse:
    store = await current_store(request)
    force = _force(await _optional_body(request))
    svc = services(request)
    report = await publishing.revert_job(
        svc.pool, svc.clients.for_store(store), store_id=store.id, job_id=request.path_params["job_id"], force=force
    )
    return JSONResponse(report.as_json())


routes = [
    Route("/api/publish", publish, methods=["POST"]),
    Route("/api/publish-logs", list_logs, methods=["GET"]),
    Route("/api/publish-logs/{log_id:id}/revert", revert, methods=["POST"]),
    Route("/api/publish-logs/revert", revert_selection, methods=["POST"]),
    Route("/api/jobs/{job_id:id}/revert", revert_job, methods=["POST"]),
]
