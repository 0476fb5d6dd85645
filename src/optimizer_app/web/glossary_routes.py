"""The calling store's glossary: read it, save it whole."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, glossaries
from .context import current_store, json_body, services


async def get_glossary(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        glossary = await glossaries.get(conn, store_id=store.id)
    return JSONResponse(glossaries.glossary_json(glossary))


async def put_glossary(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    async with db.acquire(services(request).pool) as conn:
        glossary = await glossaries.save(conn, store_id=store.id, body=body)
    return JSONResponse(glossaries.glossary_json(glossary))


routes = [
    Route("/api/glossary", get_glossary, methods=["GET"]),
    Route("/api/glossary", put_glossary, methods=["PUT"]),
]
