"""GET /api/products and /api/collections: the store's catalog, proxied for the calling store."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import catalog, db
from ..errors import MalformedRequest
from ..platforms.base import StorePlatformError
from .context import current_store, int_param, services, text_param
from .presenters import product_json


def _refused_request(exc: StorePlatformError) -> bool:
    """The platform refused the request itself (a 400, or a GraphQL error under a 200), as opposed
    to being down, refusing our credentials or missing a product."""
    return type(exc) is StorePlatformError and exc.platform_status in (None, 400)


async def list_products(request: Request) -> JSONResponse:
    store = await current_store(request)
    svc = services(request)
    limit = int_param(request, "limit", 50, minimum=1, maximum=100)
    query = text_param(request, "q")
    cursor = text_param(request, "cursor", max_chars=2000)
    client = svc.clients.for_store(store)
    try:
        page = await client.list_products(cursor=cursor, query=query, limit=limit)
    except StorePlatformError as exc:
        if cursor is None or not _refused_request(exc):
            raise
        # The cursor came from the caller: the platform refusing it is the caller's mistake.
        raise MalformedRequest("The paging cursor is not valid; start again from the first page.") from None
    async with db.acquire(svc.pool) as conn:
        await catalog.remember(conn, store.id, page.products)
    return JSONResponse(
        {"products": [product_json(p) for p in page.products], "next_cursor": page.next_cursor, "total": page.total}
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
