"""The OpenAPI 3.1 description of /api, served at /api/openapi.json. A test keeps it true: every
/api route is described, every described path exists, and the examples are valid requests."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..domain import brand_voices, glossary
from ..domain.attributes import TEXT_ATTRIBUTES, Attribute
from ..domain.automation import MAX_MONTHLY_CAP, Mode, Sweep
from ..domain.history import Side
from ..domain.jobs import ITEM_FILTERS, MAX_NOTE_CHARS, SOURCE_SCOPES, ItemStatus, JobStatus
from ..domain.languages import OFFERED_LANGUAGES
from ..domain.plans import FREE_PLAN, PLANS
from ..domain.product_query import MAX_ID_CHARS, MAX_TEXT_CHARS
from ..spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from .history_routes import MAX_PRODUCT_ID_CHARS
from .job_routes import MAX_PROMPT_CHARS
from .publish_routes import MAX_ITEMS_PER_PUBLISH, MAX_LOGS_PER_REVERT

Schema = dict[str, Any]

_INT64_MAX = 2**63 - 1
_LANGUAGE = {"type": "string", "pattern": r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$", "examples": ["en", "pt-BR"]}
_ID = {"type": "integer", "format": "int64", "minimum": 1, "maximum": _INT64_MAX}
_NULLABLE_ID = {"type": ["integer", "null"], "format": "int64", "minimum": 1, "maximum": _INT64_MAX}
_ATTRIBUTES = {
    "type": "array",
    "items": {"enum": [a.value for a in Attribute]},
    "minItems": 1,
    "uniqueItems": True,
}
_OBJECT: Schema = {"type": "object"}
_MISSING = {"type": "array", "items": {"enum": [a.value for a in TEXT_ATTRIBUTES]}, "uniqueItems": True}
_QUERY = {
    "type": "object",
    "additionalProperties": False,
    "description": "the filter GET /api/products takes; at least one part",
    "properties": {
        "q": {"type": "string", "maxLength": MAX_TEXT_CHARS},
        "collection_id": {"type": "string", "maxLength": MAX_ID_CHARS},
        "missing": _MISSING,
        "optimised": {"type": "boolean"},
        "duplicate": {"type": "boolean", "description": "whether the description is near another product's"},
    },
}
_JOB = {
    "type": "object",
    "required": ["source_scope", "attributes"],
    "properties": {
        "source_scope": {"enum": list(SOURCE_SCOPES)},
        "source_ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10_000,
            "items": {"type": ["string", "integer"], "minLength": 1},
            "description": "products or collections; not used with source_scope query",
        },
        "query": {**_QUERY, "description": "with source_scope query: the products matching this filter"},
        "attributes": _ATTRIBUTES,
        "target_lang": _LANGUAGE,
        "user_prompt": {"type": "string", "maxLength": MAX_PROMPT_CHARS},
        "economy": {
            "type": "boolean",
            "description": "answered through the LLM's Batch API within 24 h, at half a credit per field",
        },
        "only_empty": {
            "type": "boolean",
            "description": "write only the fields that have no value now: the others are skipped, never "
            "enqueued and never charged (`skipped_fields` says how many)",
        },
        "brand_voice_id": {
            **_NULLABLE_ID,
            "description": "the brand voice to write in; left out: the store's default voice; null: none",
        },
    },
}
_SCORE = {"type": "integer", "minimum": 0, "maximum": 100}
_FORCE: Schema = {"type": "object", "properties": {"force": {"type": "boolean"}}}
_CONNECT_EXAMPLE = {"site_url": "https://shop.example.com", "consumer_key": "ck_1", "consumer_secret": "cs_2"}  # nosec B105

_ERRORS = {
    400: "The request is malformed (not JSON, not an object, a query parameter that is not an integer).",
    401: "Missing, forged or expired credentials.",
    402: "Not enough credits: `required` and `remaining` say how many.",
    404: "No such resource for this store.",
    409: "The resource's state does not allow this (already reverted, changed in the store since).",
    413: "The request body is too large.",
    422: "The request is well formed but invalid; the message says which field.",
    429: "Too many requests for this store; `Retry-After` says when to try again.",
    502: "The store's platform failed or refused the call.",
    503: "The database is unavailable, or (`catalog_syncing`) the store's catalog is still being read for a filter; "
    "try again shortly (`Retry-After`).",
}
_AUTHENTICATED = (400, 401, 429, 503)


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _body(schema: Schema, example: dict[str, Any], *, required: bool = True) -> Schema:
    return {"required": required, "content": {"application/json": {"schema": schema, "example": example}}}


def _operation(
    summary: str,
    ok: int,
    *errors: int,
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    authenticated: bool = True,
) -> Schema:
    statuses = sorted({*errors, *(_AUTHENTICATED if authenticated else ()), *((413,) if body else ())})
    responses: Schema = {str(ok): {"description": "OK", "content": {"application/json": {"schema": _OBJECT}}}}
    for status in statuses:
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    op: Schema = {"summary": summary, "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    if not authenticated:
        op["security"] = []
    return op


def _download(summary: str, media_type: str, *errors: int, parameters: list[Schema] | None = None) -> Schema:
    """An operation whose answer is a file to save (Content-Disposition: attachment)."""
    op = _operation(summary, 200, *errors, parameters=parameters)
    schema = {"type": "string"} if media_type.startswith("text/") else {"type": "string", "format": "binary"}
    op["responses"]["200"] = {"description": "The file", "content": {media_type.split(";")[0]: {"schema": schema}}}
    return op


_PRODUCT_ID = {
    "name": "product_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PRODUCT_ID_CHARS},
    "description": "the platform's product id (a Shopify `gid://shopify/Product/…` may be sent as it is or encoded)",
}
_FIELD = {"enum": [a.value for a in Attribute]}


def _history_paths() -> dict[str, Schema]:
    return {
        "/api/products/{product_id}/history": {
            "get": _operation(
                "Every version of the product's fields the app wrote, oldest first: the original, each value "
                "published, reverted or put back, values set in the store between them; who and when",
                200,
                404,
                422,
                parameters=[_PRODUCT_ID, _query("attribute", _FIELD, "only this field's versions")],
            )
        },
        "/api/products/{product_id}/history/revert": {
            "post": _operation(
                "Put any earlier version of a field back in the store (logged as a new version); refused with "
                "the store's value when it changed since the app last wrote it, unless forced",
                200,
                404,
                409,
                422,
                502,
                parameters=[_PRODUCT_ID],
                body=_body(
                    {
                        "type": "object",
                        "required": ["attribute", "log_id"],
                        "properties": {
                            "attribute": _FIELD,
                            "log_id": {**_ID, "description": "the version's log_id, as the history lists it"},
                            "side": {
                                "enum": [s.value for s in Side],
                                "description": "the version's side: the value the entry published (default) "
                                "or the one it replaced",
                            },
                            "force": {"type": "boolean"},
                        },
                    },
                    {"attribute": "title", "log_id": 1, "side": "replaced"},
                ),
            )
        },
    }


def _export_paths() -> dict[str, Schema]:
    job_id = _path_id("job_id")
    return {
        "/api/jobs/{job_id}/export.csv": {
            "get": _download(
                "The job's drafts as CSV (UTF-8 with a byte order mark; text that a spreadsheet would run as a "
                "formula starts with an apostrophe)",
                CSV_MEDIA_TYPE,
                404,
                parameters=[job_id],
            )
        },
        "/api/jobs/{job_id}/export.xlsx": {
            "get": _download("The job's drafts as an Excel workbook", XLSX_MEDIA_TYPE, 404, parameters=[job_id])
        },
        "/api/jobs/{job_id}/import": {
            "post": _operation(
                "Take an edited export (CSV or XLSX) back as edits to the job's drafts, each row checked as "
                "PATCH /api/items/{item_id} checks an edit; a report per row",
                200,
                404,
                413,
                422,
                parameters=[job_id],
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        }
                    },
                },
            )
        },
        "/api/catalog/audit.csv": {
            "get": _download("Each product of the catalog and the fields it lacks, as CSV", CSV_MEDIA_TYPE, 502)
        },
        "/api/catalog/audit.xlsx": {
            "get": _download(
                "Each product of the catalog and the fields it lacks, as an Excel workbook", XLSX_MEDIA_TYPE, 502
            )
        },
    }


def _paths() -> dict[str, Schema]:
    job_id, item_id, log_id = _path_id("job_id"), _path_id("item_id"), _path_id("log_id")
    job_statuses = {"enum": [s.value for s in JobStatus]}
    item_statuses = {"enum": [s.value for s in ItemStatus]}
    paid_plans = [p for p in PLANS if p != FREE_PLAN]
    return {
        "/api/openapi.json": {"get": _operation("This description", 200, authenticated=False)},
        "/api/me": {
            "get": _operation(
                "The store, its plan and credits, and where and in which currency its owner buys plans", 200
            )
        },
        "/api/settings": {
            "get": _operation("The store's settings", 200),
            "put": _operation(
                "Change the store's settings",
                200,
                422,
                body=_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "default_language": _LANGUAGE,
                            "default_attributes": _ATTRIBUTES,
                        },
                    },
                    {"default_language": "en"},
                ),
            ),
        },
        "/api/products": {
            "get": _operation(
                "The store's products, a page at a time; filtered ones from the store's catalog index",
                200,
                502,
                parameters=[
                    _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                    _query("q", {"type": "string", "maxLength": MAX_TEXT_CHARS}, "text in the title or description"),
                    _query("collection_id", {"type": "string", "maxLength": MAX_ID_CHARS}, "only this collection's"),
                    {
                        **_query("missing", _MISSING, "only products missing any of these fields (or comma separated)"),
                        "style": "form",
                        "explode": True,
                    },
                    _query("optimised", {"enum": ["true", "false"]}, "whether the app published a change that stands"),
                    _query(
                        "duplicate",
                        {"enum": ["true", "false"]},
                        "whether the description is a near-duplicate of another product's (each product names "
                        "a few in duplicate_of)",
                    ),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "page size (50)"),
                ],
            )
        },
        "/api/collections": {"get": _operation("The store's collections", 200, 502)},
        "/api/jobs": {
            "post": _operation(
                "Create a job: charges one credit per product field written (half a credit in economy); with "
                "only_empty, fields that have a value are skipped and not charged (422 nothing_to_write when all are)",
                201,
                402,
                422,
                502,
                body=_body(
                    _JOB, {"source_scope": "products", "source_ids": ["1001"], "attributes": ["title", "seo_title"]}
                ),
            ),
            "get": _operation(
                "The store's jobs, newest first",
                200,
                422,
                parameters=[
                    _query("status", job_statuses, "only jobs in this state"),
                    _query("before", _ID, "only jobs with a smaller id (paging)"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (50)"),
                ],
            ),
        },
        "/api/jobs/estimate": {
            "post": _operation(
                "What POST /api/jobs would charge for the same body (products, fields, skipped_fields, credits, "
                "enough); nothing is charged or created",
                200,
                422,
                502,
                body=_body(
                    _JOB, {"source_scope": "query", "query": {"missing": ["seo_title"]}, "attributes": ["seo_title"]}
                ),
            )
        },
        "/api/jobs/{job_id}": {"get": _operation("A job with its counters", 200, 404, parameters=[job_id])},
        "/api/jobs/{job_id}/items": {
            "get": _operation(
                "A job's items: before, after, flags (sentences) and fact_flags ({code, term, text, start, end, "
                "message}: UTF-16 offsets into after), quality ({score, reasons}), error, review state",
                200,
                404,
                422,
                parameters=[
                    job_id,
                    _query("status", item_statuses, "only items in this state"),
                    _query(
                        "state",
                        {"type": "array", "items": {"enum": list(ITEM_FILTERS)}, "maxItems": 20},
                        "only items in one of these review states (repeat it, or separate with commas)",
                    ),
                    _query(
                        "attribute",
                        {"type": "array", "items": {"enum": [a.value for a in Attribute]}, "maxItems": 20},
                        "only items of these fields (repeat it, or separate with commas)",
                    ),
                    _query("min_score", _SCORE, "only items whose quality score is at least this"),
                    _query("max_score", _SCORE, "only items whose quality score is at most this"),
                    _query("after", {"type": "integer", "minimum": 0, "maximum": _INT64_MAX}, "paging"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (200)"),
                ],
            )
        },
        "/api/jobs/{job_id}/revert": {
            "post": _operation(
                "Revert everything of the job that is still published; values changed in the store since are "
                "listed, not overwritten, unless forced",
                200,
                404,
                422,
                502,
                parameters=[job_id],
                body=_body(_FORCE, {"force": False}, required=False),
            )
        },
        "/api/jobs/{job_id}/cancel": {
            "post": _operation("Cancel a job's pending items and refund them", 200, 404, 409, parameters=[job_id])
        },
        "/api/items/{item_id}": {
            "patch": _operation(
                "Edit an improved value before publishing",
                200,
                404,
                409,
                422,
                parameters=[item_id],
                body=_body(
                    {
                        "type": "object",
                        "required": ["after"],
                        "properties": {
                            "after": {
                                "description": "the new value; for image_alt a list of {image_id, alt} naming every "
                                "image of the item, in order (or that list as JSON text)",
                                "oneOf": [
                                    {"type": "string"},
                                    {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["image_id", "alt"],
                                            "properties": {"image_id": {"type": "string"}, "alt": {"type": "string"}},
                                            "additionalProperties": False,
                                        },
                                    },
                                ],
                            }
                        },
                    },
                    {"after": "Linen shirt, relaxed fit"},
                ),
            )
        },
        **_voice_and_glossary_paths(),
        **_automation_paths(),
        "/api/items/{item_id}/review": {
            "post": _operation(
                "Accept or reject a suggestion before publishing, or take the decision back",
                200,
                404,
                409,
                422,
                parameters=[item_id],
                body=_body(
                    {
                        "type": "object",
                        "required": ["decision"],
                        "properties": {"decision": {"enum": ["accept", "reject", "reset"]}},
                    },
                    {"decision": "accept"},
                ),
            )
        },
        "/api/items/{item_id}/regenerate": {
            "post": _operation(
                "Write a field again, with an optional note for the model: one credit",
                202,
                402,
                404,
                409,
                422,
                parameters=[item_id],
                body=_body(
                    {"type": "object", "properties": {"note": {"type": "string", "maxLength": MAX_NOTE_CHARS}}},
                    {"note": "shorter"},
                    required=False,
                ),
            )
        },
        "/api/publish": {
            "post": _operation(
                "Publish accepted values to the store: one outcome per item; flagged suggestions not accepted or "
                "edited are refused (needs_review), and with min_score those scoring lower (below_score)",
                200,
                422,
                502,
                body=_body(
                    {
                        "type": "object",
                        "required": ["item_ids"],
                        "properties": {
                            "item_ids": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_ITEMS_PER_PUBLISH,
                                "items": _ID,
                            },
                            "min_score": {**_SCORE, "description": "refuse items whose quality score is lower"},
                        },
                    },
                    {"item_ids": [1, 2]},
                ),
            )
        },
        "/api/publish-logs": {
            "get": _operation(
                "What was published, the value it replaced, whether reverted",
                200,
                parameters=[
                    _query("before", _ID, "only entries with a smaller id (paging)"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (50)"),
                ],
            )
        },
        "/api/publish-logs/{log_id}/revert": {
            "post": _operation(
                "Write the replaced value back",
                200,
                404,
                409,
                502,
                parameters=[log_id],
                body=_body(_FORCE, {"force": False}, required=False),
            )
        },
        "/api/publish-logs/revert": {
            "post": _operation(
                "Revert a selection of log entries; values changed in the store since are listed, not "
                "overwritten, unless forced",
                200,
                404,
                422,
                502,
                body=_body(
                    {
                        "type": "object",
                        "required": ["log_ids"],
                        "properties": {
                            "log_ids": {"type": "array", "minItems": 1, "maxItems": MAX_LOGS_PER_REVERT, "items": _ID},
                            "force": {"type": "boolean"},
                        },
                    },
                    {"log_ids": [1, 2]},
                ),
            )
        },
        "/api/billing/upgrade": {
            "post": _operation(
                "Shopify: start a paid plan; the owner approves it at confirmation_url",
                201,
                422,
                502,
                body=_body(
                    {"type": "object", "required": ["plan"], "properties": {"plan": {"enum": paid_plans}}},
                    {"plan": paid_plans[0]},
                ),
            )
        },
        "/api/woocommerce/connect": {
            "post": _operation(
                "Connect a WooCommerce site with REST API keys; answers with an app session",
                201,
                400,
                422,
                429,
                authenticated=False,
                body=_body(
                    {
                        "type": "object",
                        "required": ["site_url", "consumer_key", "consumer_secret"],
                        "properties": {
                            "site_url": {"type": "string", "format": "uri", "maxLength": 2048},
                            "consumer_key": {"type": "string", "pattern": "^ck_", "maxLength": 200},
                            "consumer_secret": {"type": "string", "pattern": "^cs_", "maxLength": 200},
                        },
                    },
                    _CONNECT_EXAMPLE,
                ),
            ),
            "delete": _operation("Disconnect the session's WooCommerce site; open jobs refunded", 200, 422),
        },
        **_history_paths(),
        **_export_paths(),
    }


def _voice_and_glossary_paths() -> dict[str, Schema]:
    voice_id = _path_id("voice_id")
    words = {
        "type": "array",
        "maxItems": brand_voices.MAX_WORDS,
        "items": {"type": "string", "minLength": 1, "maxLength": brand_voices.MAX_WORD_CHARS},
    }
    voice_fields = {
        "name": {"type": "string", "minLength": 1, "maxLength": brand_voices.MAX_NAME_CHARS},
        "tone": {"type": "string", "maxLength": brand_voices.MAX_TONE_CHARS},
        "prefer_words": words,
        "avoid_words": words,
        "example": {"type": "string", "maxLength": brand_voices.MAX_EXAMPLE_CHARS},
        "is_default": {"type": "boolean", "description": "the voice jobs use unless they name another"},
    }
    example = {"name": "Warm", "tone": "Warm and plain", "prefer_words": ["handmade"], "avoid_words": ["cheap"]}
    entries = {
        "type": "array",
        "maxItems": glossary.MAX_ENTRIES,
        "items": {"type": "string", "minLength": 1, "maxLength": glossary.MAX_ENTRY_CHARS},
    }
    languages = sorted({glossary.base_language(code) for code in OFFERED_LANGUAGES})
    glossary_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["exact_terms", "banned_words", "default_hype_words"],
        "properties": {
            "exact_terms": {**entries, "description": "terms to write exactly so, letter case and spacing included"},
            "banned_words": {
                "type": "array",
                "maxItems": glossary.MAX_ENTRIES,
                "description": "words that must never appear; language null: in every language",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["word"],
                    "properties": {
                        "word": {"type": "string", "minLength": 1, "maxLength": glossary.MAX_ENTRY_CHARS},
                        "language": {"enum": [*languages, None]},
                    },
                },
            },
            "default_hype_words": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "enabled": {"type": "boolean"},
                    "disabled_words": {**entries, "description": "default hype words switched off, one by one"},
                    "words": {"type": "object", "description": "read only: the default lists, by language"},
                },
            },
        },
    }
    return {
        "/api/brand-voices": {
            "get": _operation("The store's brand voices, with their limits", 200),
            "post": _operation(
                "Save a new brand voice (the store's first one becomes its default)",
                201,
                409,
                422,
                body=_body(
                    {"type": "object", "additionalProperties": False, "required": ["name"], "properties": voice_fields},
                    example,
                ),
            ),
        },
        "/api/brand-voices/{voice_id}": {
            "get": _operation("One brand voice", 200, 404, parameters=[voice_id]),
            "put": _operation(
                "Change a brand voice: the fields sent, the others kept; jobs made before keep the voice as it was",
                200,
                404,
                409,
                422,
                parameters=[voice_id],
                body=_body(
                    {"type": "object", "additionalProperties": False, "properties": voice_fields}, {"tone": "Calm"}
                ),
            ),
            "delete": _operation("Delete a brand voice", 200, 404, parameters=[voice_id]),
        },
        "/api/glossary": {
            "get": _operation("The store's glossary, with the default hype words", 200),
            "put": _operation(
                "Save the store's glossary whole",
                200,
                422,
                body=_body(
                    glossary_schema,
                    {
                        "exact_terms": ["iPhone"],
                        "banned_words": [{"word": "cheap", "language": None}],
                        "default_hype_words": {"enabled": True, "disabled_words": []},
                    },
                ),
            ),
        },
    }


def _automation_paths() -> dict[str, Schema]:
    rules = {
        "type": "object",
        "additionalProperties": False,
        "description": "any subset of the rules; the others are kept",
        "properties": {
            "mode": {
                "enum": [m.value for m in Mode],
                "description": "review: drafts wait; publish: drafts that "
                "pass every gate are published, the others wait for review",
            },
            "paused": {"type": "boolean"},
            "attributes": _ATTRIBUTES,
            "language": {"enum": [*OFFERED_LANGUAGES, None], "description": "null: the store's default language"},
            "voice_id": {**_NULLABLE_ID, "description": "a brand voice of the store; null: its default voice"},
            "only_empty": {"type": "boolean"},
            "min_score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "monthly_credit_cap": {"type": "integer", "minimum": 0, "maximum": MAX_MONTHLY_CAP},
            "sweep": {"enum": [s.value for s in Sweep]},
        },
    }
    return {
        "/api/automation": {
            "get": _operation("The store's automation rules, with the month's automation credits", 200),
            "put": _operation(
                "Change the automation rules (recorded in the store's activity)",
                200,
                422,
                body=_body(rules, {"mode": "publish", "monthly_credit_cap": 200, "sweep": "daily"}),
            ),
        },
        "/api/automation/summary": {
            "get": _operation(
                "What automation did lately: products optimised, published, waiting for review, failed",
                200,
                parameters=[_query("days", {"type": "integer", "minimum": 1, "maximum": 366}, "how far back; 7")],
            )
        },
    }


def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Optimizer App API",
            "version": "1",
            "description": "Every call is made for the store of a verified token, never for an id the caller sends.",
        },
        "security": [{"wixInstance": []}, {"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "wixInstance": {"type": "apiKey", "in": "header", "name": "X-Wix-Instance"},
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An app session (oas.…) or a Shopify App Bridge session token.",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        }
                    },
                }
            },
            "responses": {
                f"E{status}": {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                for status, text in _ERRORS.items()
            },
        },
    }


_DOCUMENT = document()


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(_DOCUMENT)


routes = [Route("/api/openapi.json", openapi_json, methods=["GET"])]
