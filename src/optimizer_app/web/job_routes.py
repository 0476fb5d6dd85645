"""Jobs: estimate and create (charges credits), list, show, items, cancel; and editing an item
before publishing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import catalog, db, jobs, queue, voices
from ..domain import product_query
from ..domain.attributes import Attribute, parse_attributes
from ..domain.empty_fields import fields_to_write
from ..domain.jobs import SOURCE_SCOPES
from ..domain.languages import OFFERED_LANGUAGES, parse_language
from ..domain.plans import items_cost, job_cost
from ..domain.product_query import ProductQuery, QueryError
from ..domain.products import Product
from ..domain.publishable import refusal_message, unpublishable
from ..domain.store_settings import effective_settings
from ..errors import InsufficientCredits, InvalidRequest, MalformedRequest
from ..platforms.wix import WixClient
from ..stores import Store
from .context import current_caller, current_store, fresh_catalog_index, int_param, json_body, list_param, services
from .services import Services

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


@dataclass(frozen=True)
class _JobRequest:
    """A job as asked for, checked; what POST /api/jobs creates and /api/jobs/estimate prices."""

    scope: str
    source_ids: list[str]
    query: ProductQuery | None
    attributes: tuple[Attribute, ...]
    target_lang: str
    user_prompt: str
    economy: bool
    only_empty: bool


def _job_request(store: Store, body: dict[str, Any], limit: int) -> _JobRequest:
    scope = body.get("source_scope")
    if scope not in SOURCE_SCOPES:
        raise InvalidRequest("source_scope must be 'products', 'collections' or 'query'.")
    try:
        attributes = parse_attributes(body.get("attributes"))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    blocked = {
        a: r
        for a, r in unpublishable(store.platform, store.site_facts, store.catalog_version).items()
        if a in attributes
    }
    if blocked:
        raise InvalidRequest(
            refusal_message(blocked), reason=next(iter(blocked.values())), fields=[a.value for a in blocked]
        )
    query: ProductQuery | None = None
    source_ids: list[str] = []
    if scope == "query":
        try:
            query = product_query.from_json(body.get("query"))
        except QueryError as exc:
            raise InvalidRequest(str(exc)) from None
    else:
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
    only_empty = body.get("only_empty", False)
    if not isinstance(only_empty, bool):
        raise InvalidRequest("only_empty must be true or false.")
    return _JobRequest(scope, source_ids, query, attributes, target_lang, user_prompt, economy, only_empty)


async def _query_count(svc: Services, store: Store, query: ProductQuery, limit: int) -> int:
    """How many products of the freshly synced index match, refused when none or too many."""
    await fresh_catalog_index(svc, store)
    count = await catalog.count_matching(svc.pool, store.id, query)
    if count == 0:
        raise InvalidRequest("No products match this filter.", matching=0)
    if count > limit:
        raise InvalidRequest(
            f"{count} products match this filter and a job can hold at most {limit}; narrow the filter.",
            matching=count,
            max_products=limit,
        )
    return count


async def _products(svc: Services, store: Store, job: _JobRequest, limit: int, *, fresh: bool = False) -> list[Product]:
    """The products the job covers, in order; a refusal when there are none or too many. `fresh`:
    as the store holds them now (read again rather than from the products cache or the index), so
    an only-empty job skips and charges by what the fields hold when it is created."""
    client = svc.clients.for_store(store)
    if job.scope == "products":
        return await catalog.products_by_id(
            svc.pool, client, store.id, job.source_ids, max_age=timedelta(0) if fresh else catalog.FRESH_FOR
        )
    if job.scope == "collections":
        products = await catalog.products_of_collections(svc.pool, client, store.id, job.source_ids, limit=limit)
        if not products:
            raise InvalidRequest("These collections hold no products.")
        return products
    assert job.query is not None
    await _query_count(svc, store, job.query, limit)
    products = await catalog.matching_products(svc.pool, store.id, job.query, limit=limit)
    if not products or len(products) > limit:
        raise InvalidRequest("The products matching this filter changed; look at the filter again.")
    if fresh:
        return await catalog.products_by_id(svc.pool, client, store.id, [p.id for p in products], max_age=timedelta(0))
    return products


async def _collection_names(svc: Services, store: Store, job: _JobRequest) -> list[str]:
    """The names of the collections the job covers, as the store calls them now."""
    wanted = job.source_ids if job.scope == "collections" else [job.query.collection_id] if job.query else []
    wanted = [c for c in wanted if c]
    if not wanted:
        return []
    names = {c.id: c.name for c in await svc.clients.for_store(store).list_collections()}
    return [names[c] for c in wanted if c in names]


async def _known_catalog(svc: Services, store: Store, body: dict[str, Any]) -> Store:
    """The store with its Wix catalog version known when the job asks for image alt text, which a
    Catalog V1 site cannot publish (domain/publishable.py)."""
    attributes = body.get("attributes")
    if store.platform != "wix" or store.catalog_version or not isinstance(attributes, list):
        return store
    if Attribute.IMAGE_ALT.value not in attributes:
        return store
    client = svc.clients.for_store(store)
    version = await client.detect_catalog_version() if isinstance(client, WixClient) else None
    return replace(store, catalog_version=version)


async def create_job(request: Request) -> JSONResponse:
    store, actor = await current_caller(request)
    svc = services(request)
    limit = svc.settings.max_job_products
    body = await json_body(request)
    store = await _known_catalog(svc, store, body)
    job = _job_request(store, body, limit)
    async with db.acquire(svc.pool) as conn:
        brand_voice = await voices.voice_for_job(conn, store_id=store.id, body=body)
    # Answered before the catalog is read (a collection may hold thousands of products): the
    # least this job can cost. The charge at enqueue stays the real, atomic check.
    # Only empty fields: any of them may be skipped, so the least is known after the read.
    if not job.only_empty:
        least = job_cost(
            len(job.source_ids) if job.scope == "products" else 1, len(job.attributes), economy=job.economy
        )
        if least > store.credits_remaining:
            raise InsufficientCredits(required=least, remaining=store.credits_remaining)
    products: list[Product] | queue.CachedProducts
    if job.scope == "products" and queue.CachedProducts.serve(job.attributes, only_empty=job.only_empty):
        # Every text field, whatever it holds: the cache's snapshots are all the job needs, and
        # they go from the cache into the job inside PostgreSQL.
        await catalog.cache_products(svc.pool, svc.clients.for_store(store), store.id, job.source_ids)
        products = queue.CachedProducts(job.source_ids)
    else:
        products = await _products(svc, store, job, limit, fresh=job.only_empty)
        if Attribute.IMAGE_ALT in job.attributes:
            # Image alt text needs the images (Shopify reads them apart from the products).
            products = await svc.clients.for_store(store).with_images(products)
    collection_names = await _collection_names(svc, store, job)
    async with db.acquire(svc.pool) as conn:
        enqueued = await queue.enqueue_job(
            conn,
            store_id=store.id,
            source_scope=job.scope,
            source_ids=job.source_ids,
            attributes=job.attributes,
            target_lang=job.target_lang,
            user_prompt=job.user_prompt,
            products=products,
            economy=job.economy,
            query=job.query.to_json() if job.query else None,
            collection_names=collection_names,
            only_empty=job.only_empty,
            brand_voice=brand_voice,
            actor=actor,
        )
    return JSONResponse(
        {
            "job_id": enqueued.job_id,
            "number": enqueued.number,
            "credits_charged": enqueued.credits_charged,
            "credits_remaining": enqueued.remaining,
            "products": len(products),
            "skipped_fields": enqueued.skipped_fields,
        },
        status_code=201,
    )


async def estimate_job(request: Request) -> JSONResponse:
    """What POST /api/jobs would charge for the same body, checked the same way; nothing is
    charged or created."""
    store = await current_store(request)
    svc = services(request)
    limit = svc.settings.max_job_products
    body = await json_body(request)
    store = await _known_catalog(svc, store, body)
    job = _job_request(store, body, limit)
    if job.scope == "query" and not job.only_empty:
        assert job.query is not None
        count = await _query_count(svc, store, job.query, limit)
        plan = None
    else:
        # Only empty fields are priced from the products as the index or the products cache
        # holds them; creating the job reads them again from the store.
        products = await _products(svc, store, job, limit)
        count = len(products)
        plan = fields_to_write(products, job.attributes, only_empty=job.only_empty)
    fields = plan.fields if plan else count * len(job.attributes)
    credits = items_cost(fields, economy=job.economy)
    return JSONResponse(
        {
            "products": count,
            "fields": fields,
            "skipped_fields": plan.skipped if plan else 0,
            "credits": credits,
            "credits_remaining": store.credits_remaining,
            "enough": credits <= store.credits_remaining,
        }
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
    min_score = _score_param(request, "min_score")
    max_score = _score_param(request, "max_score")
    async with db.acquire(services(request).pool) as conn:
        items = await jobs.list_items(
            conn,
            store_id=store.id,
            job_id=request.path_params["job_id"],
            status=status,
            after_id=after,
            limit=limit,
            states=list_param(request, "state"),
            attributes=list_param(request, "attribute"),
            min_score=min_score,
            max_score=max_score,
        )
    next_after = items[-1]["id"] if len(items) == limit else None
    return JSONResponse({"items": items, "next_after": next_after})


def _score_param(request: Request, name: str) -> int | None:
    """A quality score bound from the query string (0-100), None when absent."""
    if request.query_params.get(name) in (None, ""):
        return None
    return int_param(request, name, 0, minimum=0, maximum=100)


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
        after, quality = await jobs.edit_draft(conn, store_id=store.id, item_id=item_id, after=body.get("after"))
    return JSONResponse({"id": item_id, "after": after, "review_state": "EDITED", "quality": quality})


routes = [
    Route("/api/jobs", create_job, methods=["POST"]),
    Route("/api/jobs/estimate", estimate_job, methods=["POST"]),
    Route("/api/jobs", list_jobs, methods=["GET"]),
    Route("/api/jobs/{job_id:id}", get_job, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/items", list_items, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/cancel", cancel_job, methods=["POST"]),
    Route("/api/items/{item_id:id}", edit_item, methods=["PATCH"]),
]
