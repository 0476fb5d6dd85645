"""A product's fields through time: every version the app wrote, who made it write each and when,
and putting any earlier version back."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, publishing
from ..domain.attributes import Attribute
from ..domain.history import Side
from ..errors import InvalidRequest, MalformedRequest
from ..strict_json import check_text
from .context import current_caller, current_store, json_body, services

# Product ids are the platform's own (a Shopify id is a `gid://…` path); none is this long.
MAX_PRODUCT_ID_CHARS = 500


def _product_id(request: Request) -> str:
    value = check_text(request.path_params["product_id"], "The product id in the path").strip()
    if not value or len(value) > MAX_PRODUCT_ID_CHARS:
        raise MalformedRequest(f"The product id in the path must be 1 to {MAX_PRODUCT_ID_CHARS} characters.")
    return value


def _attribute(value: object, name: str) -> Attribute:
    if isinstance(value, str) and value in Attribute.__members__.values():
        return Attribute(value)
    raise InvalidRequest(
        f"{name} must be one of: {', '.join(a.value for a in Attribute)}.", allowed=[a.value for a in Attribute]
    )


async def field_history(request: Request) -> JSONResponse:
    store = await current_store(request)
    product_id = _product_id(request)
    raw = request.query_params.get("attribute")
    attribute = _attribute(raw, "attribute") if raw else None
    async with db.acquire(services(request).pool) as conn:
        fields = await publishing.field_history(conn, store_id=store.id, product_id=product_id, attribute=attribute)
    return JSONResponse({"product_id": product_id, "fields": fields})


async def restore_version(request: Request) -> JSONResponse:
    store, actor = await current_caller(request)
    product_id = _product_id(request)
    body = await json_body(request)
    attribute = _attribute(body.get("attribute"), "attribute")
    log_id = body.get("log_id")
    if not isinstance(log_id, int) or isinstance(log_id, bool) or log_id < 1:
        raise InvalidRequest("log_id must be the id of a version's publish log entry (a positive integer).")
    side = body.get("side", Side.PUBLISHED.value)
    if side not in Side.__members__.values():
        raise InvalidRequest("side must be 'published' or 'replaced'.", allowed=[s.value for s in Side])
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise InvalidRequest("force must be true or false.")
    svc = services(request)
    log = await publishing.restore(
        svc.pool,
        svc.clients.for_store(store),
        store_id=store.id,
        product_id=product_id,
        attribute=attribute,
        log_id=log_id,
        side=Side(side),
        force=force,
        actor=actor,
    )
    return JSONResponse(log)


routes = [
    Route("/api/products/{product_id:path}/history", field_history, methods=["GET"]),
    Route("/api/products/{product_id:path}/history/revert", restore_version, methods=["POST"]),
]
