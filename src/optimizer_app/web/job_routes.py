"""Jobs: create (charges credits), list, show, items, cancel; and editing an item before publishing."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import catalog, db, glossaries, jobs, queue, voices
from ..domain.attributes import parse_attributes
from ..domain.jobs import SOURCE_SCOPES
from ..domain.languages import OFFERED_LANGUAGES, parse_language
from ..domain.plans import job_cost
from ..domain.publishable import refusal_message, unpublishable
from ..domain.store_settings import effective_settings
from ..errors import InsufficientCredits, InvalidRequest, MalformedRequest
from ..llm.checks import check_value
from .context import current_store, int_param, json_body, services

MAX_PROMPT_CHARS = 2000


def _source_ids(body: dict[str, Any], limit: int) -> list[str]:
    ids = body.get("source_ids")
    if not isinstance(ids, list) or not ids:
        raise InvalidRequest("source_ids must be a non-empty list of ids.")
    if not all(isinstance(i, str | int) and str(i).strip() for i in ids):
        raise InvalidRequest("source_ids must hold non-empty strings.")
    unique = list(dict.fromkeys(str(i).strip() for i in ids))
    if len(unique) > limit:
        raise InvalidRequest(f"A job can hold at most {limit} products.", max_products=limit)
    return unique


async def create_job(request: Request) -> JSONResponse:
    store = await current_store(request)
    svc = services(request)
    body = await json_body(request)
    scope = body.get("source_scope")
    if scope not in SOURCE_SCOPES:
        raise InvalidRequest("source_scope must be 'products' or 'collections'.")
    try:
        attributes = parse_attributes(body.get("attributes"))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    blocked = {a: r for a, r in unpublishable(store.platform, store.site_facts).items() if a in attributes}
    if blocked:
        raise InvalidRequest(
            refusal_message(blocked), reason=next(iter(blocked.values())), fields=[a.value for a in blocked]
        )
    limit = svc.settings.max_job_products
    source_ids = _source_ids(body, limit)
    default_language = effective_settings(store.platform, store.settings)["default_language"]
    target_lang = parse_language(body.get("target_lang") or default_language)
    if target_lang is None:
        raise MalformedRequest(f"target_lang must be one of the offered languages: {', '.join(OFFERED_LANGUAGES)}.")
    user_prompt = body.get("user_prompt") or ""
    if not isinstance(user_prompt, str) or len(user_prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(f"user_prompt must be text of at most {MAX_PROMPT_CHARS} characters.")
    economy = body.get("economy", False)
    if not isinstance(economy, bool):
        raise InvalidRequest("economy must be true or false.")
    async with db.acquire(svc.pool) as conn:
        brand_voice = await voices.voice_for_job(conn, store_id=store.id, body=body)
    # Answered before the catalog is read (a collection may hold thousands of products): the
    # least this job can cost. The charge at enqueue stays the real, atomic check.
    least = job_cost(len(source_ids) if scope == "products" else 1, len(attributes), economy=economy)
    if least > store.credits_remaining:
        raise InsufficientCredits(required=least, remaining=store.credits_remaining)
    client = svc.clients.for_store(store)
    if scope == "products":
        products = await catalog.products_by_id(svc.pool, client, store.id, source_ids)
    else:
        products = await catalog.products_of_collections(svc.pool, client, store.id, source_ids, limit=limit)
        if not products:
            raise InvalidRequest("These collections hold no products.")
    async with db.acquire(svc.pool) as conn:
        job = await queue.enqueue_job(
            conn,
            store_id=store.id,
            source_scope=scope,
            source_ids=source_ids,
            attributes=attributes,
            target_lang=target_lang,
            user_prompt=user_prompt,
            products=products,
            economy=economy,
            brand_voice=brand_voice,
        )
    return JSONResponse(
        {
            "job_id": job.job_id,
            "credits_charged": job.credits_charged,
            "credits_remaining": job.remaining,
            "products": len(products),
        },
        status_code=201,
    )


async def list_jobs(request: Request) -> JSONResponse:
    store = await current_store(request)
    status = request.query_params.get("status") or None
    before = request.query_params.get("before")
    limit = int_param(request, "limit", 50, minimum=1, maximum=200)
    before_id = int_param(request, "before", 0, minimum=1) if before else None
    async with db.acquire(services(request).pool) as conn:
        rows = await jobs.list_jobs(conn, store_id=store.id, status=status, before_id=before_id, limit=limit)
    return JSONResponse({"jobs": rows})


async def get_job(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        job = await jobs.get_job(conn, store_id=store.id, job_id=request.path_params["job_id"])
    return JSONResponse(job)


async def list_items(request: Request) -> JSONResponse:
    store = await current_store(request)
    status = request.query_params.get("status") or None
    after = int_param(request, "after", 0, minimum=0)
    limit = int_param(request, "limit", 200, minimum=1, maximum=1000)
    async with db.acquire(services(request).pool) as conn:
        items = await jobs.list_items(
            conn, store_id=store.id, job_id=request.path_params["job_id"], status=status, after_id=after, limit=limit
        )
    next_after = items[-1]["id"] if len(items) == limit else None
    return JSONResponse({"items": items, "next_after": next_after})


async def cancel_job(request: Request) -> JSONResponse:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        refunded = await queue.cancel_job(conn, job_id=request.path_params["job_id"], store_id=store.id)
        job = await jobs.get_job(conn, store_id=store.id, job_id=request.path_params["job_id"])
    return JSONResponse({"job": job, "credits_refunded": refunded})


async def edit_item(request: Request) -> JSONResponse:
    store = await current_store(request)
    body = await json_body(request)
    item_id = request.path_params["item_id"]
    async with db.acquire(services(request).pool) as conn:
        attribute, before = await jobs.item_for_edit(conn, store_id=store.id, item_id=item_id)
        checked = check_value(attribute, before=before, after=body.get("after"), source_text=before)
        if checked.value is None:
            raise InvalidRequest(f"This value cannot be used: {checked.error}.", reason=checked.error)
        await glossaries.check_edit(conn, store_id=store.id, item_id=item_id, attribute=attribute, value=checked.value)
        await jobs.edit_item(conn, store_id=store.id, item_id=item_id, value=checked.value)
    return JSONResponse({"id": item_id, "after": checked.value, "review_state": "EDITED"})


routes = [
    Route("/api/jobs", create_job, methods=["POST"]),
    Route("/api/jobs", list_jobs, methods=["GET"]),
    Route("/api/jobs/{job_id:id}", get_job, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/items", list_items, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/cancel", cancel_job, methods=["POST"]),
    Route("/api/items/{item_id:id}", edit_item, methods=["PATCH"]),
]
