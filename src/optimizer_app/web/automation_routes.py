"""Automation: the calling store's rules (GET/PUT /api/automation) and what automation did lately
(GET /api/automation/summary), for the dashboard's Automation section and its notice on open."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import automation, db
from .context import current_caller, current_store, int_param, json_body, services

MAX_SUMMARY_DAYS = 366


async def get_rules(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        rules = await automation.get_rules(conn, store.id)
    return JSONResponse(automation.rules_json(rules, store))


async def put_rules(request: Request) -> JSONResponse:
    store, actor = await current_caller(request)
    body = await json_body(request)
    async with db.acquire(services(request).pool) as conn:
        rules = await automation.update_rules(conn, store, body, actor)
    return JSONResponse(automation.rules_json(rules, store))


async def get_summary(request: Request) -> JSONResponse:
    store = await current_store(request)
    days = int_param(request, "days", 7, minimum=1, maximum=MAX_SUMMARY_DAYS)
    async with db.acquire(services(request).pool) as conn:
        found = await automation.summary(conn, store, days=days)
    return JSONResponse(found)


routes = [
    Route("/api/automation", get_rules, methods=["GET"]),
    Route("/api/automation", put_rules, methods=["PUT"]),
    Route("/api/automation/summary", get_summary, methods=["GET"]),
]
