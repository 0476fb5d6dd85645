"""Brand voices: list and create, show, change and delete one (always the calling store's)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, voices
from .context import current_store, json_body, services


async def list_voices(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        found = await voices.list_voices(conn, store_id=store.id)
    return JSONResponse({"voices": found, "limits": voices.LIMITS})


async def create_voice(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    async with db.acquire(services(request).pool) as conn:
        voice = await voices.create_voice(conn, store_id=store.id, body=body)
    return JSONResponse(voice, status_code=201)


async def get_voice(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        voice = await voices.get_voice(conn, store_id=store.id, voice_id=request.path_params["voice_id"])
    return JSONResponse(voice)


async def update_voice(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    async with db.acquire(services(request).pool) as conn:
        voice = await voices.update_voice(conn, store_id=store.id, voice_id=request.path_params["voice_id"], body=body)
    return JSONResponse(voice)


async def delete_voice(request: Request) -> JSONResponse:
    store = await current_store(request)
    voice_id = request.path_params["voice_id"]
    async with db.acquire(services(request).pool) as conn:
        await voices.delete_voice(conn, store_id=store.id, voice_id=voice_id)
    return JSONResponse({"id": voice_id, "deleted": True})


routes = [
    Route("/api/brand-voices", list_voices, methods=["GET"]),
    Route("/api/brand-voices", create_voice, methods=["POST"]),
    Route("/api/brand-voices/{voice_id:id}", get_voice, methods=["GET"]),
    Route("/api/brand-voices/{voice_id:id}", update_voice, methods=["PUT"]),
    Route("/api/brand-voices/{voice_id:id}", delete_voice, methods=["DELETE"]),
]
