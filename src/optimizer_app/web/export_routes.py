"""Tables to download and upload: a job's drafts as CSV or Excel and an edited file of them taken
back as edits; the catalog audit (what each product lacks) as CSV or Excel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import IO, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from .. import db, exports, jobs
from ..domain.store_settings import effective_settings
from ..errors import InvalidRequest, MalformedRequest, PayloadTooLarge
from ..spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, CsvWriter, SpreadsheetError, XlsxWriter, read_table
from ..stores import Store
from .context import current_store, fresh_catalog_index, services

# The route that takes a file, whose body may be larger than other requests' (IMPORT_MAX_BYTES).
IMPORT_PATH_PATTERN = r"/api/jobs/[0-9]+/import"
_CHUNK_BYTES = 64 * 1024
# Rows an imported file may have beyond the job's fields (rows of another job pasted in are listed
# as refused); more, and the file is refused whole.
EXTRA_IMPORT_ROWS = 100


def _download(name: str, media_type: str, body: AsyncIterator[bytes] | Iterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def _csv(header: Sequence[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    writer = CsvWriter()
    yield writer.line(header)
    async for row in rows:
        yield writer.line(row)


def _right_to_left(store: Store) -> bool:
    return bool(effective_settings(store.platform, store.settings)["default_language"] == "ar")


async def _xlsx(title: str, header: Sequence[str], rows: AsyncIterator[list[Any]], rtl: bool) -> Iterator[bytes]:
    """The workbook built before the answer starts (a workbook is a zip, written whole), its rows
    added off the event loop a page at a time; then read back in chunks."""
    writer = await asyncio.to_thread(XlsxWriter, title, header, right_to_left=rtl)
    page: list[list[Any]] = []
    async for row in rows:
        page.append(row)
        if len(page) == 500:
            await asyncio.to_thread(_append, writer, page)
            page = []
    await asyncio.to_thread(_append, writer, page)
    return _chunks(await asyncio.to_thread(writer.save))


def _append(writer: XlsxWriter, rows: list[list[Any]]) -> None:
    for row in rows:
        writer.append(row)


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    with file:
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk


async def _job(request: Request) -> tuple[Store, dict[str, Any]]:
    store = await current_store(request)
    async with db.acquire(services(request).pool) as conn:
        job = await jobs.get_job(conn, store_id=store.id, job_id=request.path_params["job_id"])
    return store, job


async def export_job_csv(request: Request) -> StreamingResponse:
    store, job = await _job(request)
    rows = exports.job_rows(services(request).pool, store_id=store.id, job_id=job["id"])
    return _download(f"job-{job['number']}.csv", CSV_MEDIA_TYPE, _csv(exports.JOB_COLUMNS, rows))


async def export_job_xlsx(request: Request) -> StreamingResponse:
    store, job = await _job(request)
    rows = exports.job_rows(services(request).pool, store_id=store.id, job_id=job["id"])
    body = await _xlsx(f"Job {job['number']}", exports.JOB_COLUMNS, rows, _right_to_left(store))
    return _download(f"job-{job['number']}.xlsx", XLSX_MEDIA_TYPE, body)


async def _audit_store(request: Request) -> Store:
    store = await current_store(request)
    await fresh_catalog_index(services(request), store)
    return store


async def audit_csv(request: Request) -> StreamingResponse:
    store = await _audit_store(request)
    rows = exports.audit_rows(services(request).pool, store_id=store.id)
    return _download("catalog-audit.csv", CSV_MEDIA_TYPE, _csv(exports.AUDIT_COLUMNS, rows))


async def audit_xlsx(request: Request) -> StreamingResponse:
    store = await _audit_store(request)
    rows = exports.audit_rows(services(request).pool, store_id=store.id)
    body = await _xlsx("Catalog audit", exports.AUDIT_COLUMNS, rows, _right_to_left(store))
    return _download("catalog-audit.xlsx", XLSX_MEDIA_TYPE, body)


async def _uploaded_file(request: Request) -> tuple[bytes, str]:
    """The bytes and name of the request's one file (multipart field `file`)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise MalformedRequest("Send the file as multipart/form-data, in a field named 'file'.")
    limit = services(request).settings.import_max_bytes
    form = await request.form(max_files=1, max_fields=4)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise MalformedRequest("Send the file as multipart/form-data, in a field named 'file'.")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"The file exceeds {limit} bytes.")
        return data, upload.filename or ""
    finally:
        await form.close()


async def import_job(request: Request) -> JSONResponse:
    store, job = await _job(request)
    data, filename = await _uploaded_file(request)
    if not data:
        raise InvalidRequest("The file is empty; it needs a header row and a row per field.")
    try:
        max_rows = job["counts"]["total"] + EXTRA_IMPORT_ROWS
        table = await asyncio.to_thread(read_table, data, filename, max_rows=max_rows)
        outcomes = await exports.import_drafts(services(request).pool, store_id=store.id, job_id=job["id"], table=table)
    except SpreadsheetError as exc:
        raise InvalidRequest(str(exc)) from None
    counts = {status: 0 for status in ("taken", "unchanged", "refused")}
    for o in outcomes:
        counts[o.status] += 1
    return JSONResponse({"rows": [o.as_json() for o in outcomes], "counts": counts})


routes = [
    Route("/api/jobs/{job_id:id}/export.csv", export_job_csv, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/export.xlsx", export_job_xlsx, methods=["GET"]),
    Route("/api/jobs/{job_id:id}/import", import_job, methods=["POST"]),
    Route("/api/catalog/audit.csv", audit_csv, methods=["GET"]),
    Route("/api/catalog/audit.xlsx", audit_xlsx, methods=["GET"]),
]
