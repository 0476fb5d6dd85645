"""The store's audit trail: every action taken on it, by the owner, by automation or on a platform
webhook's word, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import activity, db
from ..domain.history import ActorKind
from ..errors import InvalidRequest, MalformedRequest
from ..strict_json import INT64_MAX, bounded_int
from .context import current_store, services

MAX_ACTIVITY_PAGE = 200
DEFAULT_ACTIVITY_PAGE = 50


def _whole_number(request: Request, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """A query parameter that must be a whole number within bounds (`default` when absent);
    anything else is a 422 that names it."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = bounded_int(raw, name)
    except MalformedRequest:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise InvalidRequest(f"{name} must be a whole number from {minimum} to {maximum}.", field=name)
    return value


async def list_activity(request: Request) -> JSONResponse:
    store = await current_store(request)
    raw_actor = request.query_params.get("actor") or None
    if raw_actor is not None and raw_actor not in ActorKind.__members__.values():
        raise InvalidRequest(
            f"actor must be one of: {', '.join(ActorKind)}.", field="actor", allowed=[k.value for k in ActorKind]
        )
    limit = _whole_number(request, "limit", DEFAULT_ACTIVITY_PAGE, minimum=1, maximum=MAX_ACTIVITY_PAGE)
    before = _whole_number(request, "before", 0, minimum=1, maximum=INT64_MAX) or None
    async with db.acquire(services(request).pool) as conn:
        entries = await activity.list_entries(
            conn,
            store_id=store.id,
            actor=ActorKind(raw_actor) if raw_actor else None,
            before_id=before,
            limit=limit,
        )
    next_before = entries[-1]["id"] if len(entries) == limit else None
    return JSONResponse({"entries": entries, "next_before": next_before})


routes = [Route("/api/activity", list_activity, methods=["GET"])]
