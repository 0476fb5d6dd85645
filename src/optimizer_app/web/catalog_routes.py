"""GET /api/products and /api/collections: the store's catalog for the calling store, proxied
from the platform page by page, or answered from the store's catalog index when filtered."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import catalog, db
from ..domain.product_query import ProductQuery, QueryError, from_params
from ..errors import MalformedRequest
from ..platforms.base import StorePlatformError
from ..stores import Store
from .context import current_store, fresh_catalog_index, int_param, services, text_param
from .presenters import product_json


def _refused_request(exc: StorePlatformError) -> bool:
    """The platform refused the request itself (a 400, or a GraphQL error under a 200), as opposed
    to being down, refusing our credentials or missing a product."""
    return type(exc) is StorePlatformError and exc.platform_status in (None, 400)


def product_query(request: Request) -> ProductQuery:
    """The filter of the request's query parameters (`missing` may repeat or be comma separated)."""
    try:
        return from_params(
            q=request.query_params.get("q"),
            collection_id=request.query_params.get("collection_id"),
            missing=request.query_params.getlist("missing"),
            optimised=request.query_params.get("optimised"),
            duplicate=request.query_params.get("duplicate"),
        )
    except QueryError as exc:
        raise MalformedRequest(str(exc)) from None


async def list_products(request: Request) -> JSONResponse:
    store = await current_store(request)
    limit = int_param(request, "limit", 50, minimum=1, maximum=100)
    cursor = text_param(request, "cursor", max_chars=2000)
    query = product_query(request)
    if query.is_filtered:
        return await _from_index(request, store, query, cursor=cursor, limit=limit)
    svc = services(request)
    client = svc.clients.for_store(store)
    try:
        page = await client.list_products(cursor=cursor, query=None, limit=limit)
    except StorePlatformError as exc:
        if cursor is None or not _refused_request(exc):
            raise
        # The cursor came from the caller: the platform refusing it is the caller's mistake.
        raise MalformedRequest("The paging cursor is not valid; start again from the first page.") from None
    async with db.acquire(svc.pool) as conn:
        await catalog.remember(conn, store.id, page.products)
    ids = [p.id for p in page.products]
    optimised = await catalog.optimised_at(svc.pool, store.id, ids)
    duplicate_of = await catalog.duplicate_of(svc.pool, store.id, ids)
    return JSONResponse(
        {
            "products": [product_json(p, optimised.get(p.id), duplicate_of.get(p.id, ())) for p in page.products],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "synced_at": None,
        }
    )


async def _from_index(
    request: Request, store: Store, query: ProductQuery, *, cursor: str | None, limit: int
) -> JSONResponse:
    svc = services(request)
    synced_at = await fresh_catalog_index(svc, store)
    page = await catalog.query_index(svc.pool, store.id, query, synced_at=synced_at, cursor=cursor, limit=limit)
    return JSONResponse(
        {
            "products": [product_json(p.product, p.optimised_at, p.duplicate_of) for p in page.products],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "synced_at": page.synced_at.isoformat(),
        }
    )


async def list_collections(request: Request) -> JSONResponse:
    store = await current_store(request)
    client = services(request).clients.for_store(store)
    collections = await client.list_collections()
    return JSONResponse(
        {"collections": [{"id": c.id, "name": c.name, "product_count": c.product_count} for c in collections]}
    )


routes = [
    Route("/api/products", list_products, methods=["GET"]),
    Route("/api/collections", list_collections, methods=["GET"]),
]
