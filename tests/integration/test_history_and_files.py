"""A field's history and its versions put back, and a job's drafts as CSV and Excel: exported,
edited in the file and imported again as checked edits; the catalog audit. Through the web API on
the Wix and Shopify sandboxes with the sandbox LLM; bad files, bad input and another store's ids
are refused."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import httpx
import openpyxl
import pytest

from optimizer_app.settings import Settings
from optimizer_app.spreadsheets import BOM
from optimizer_sandbox.runner import LoopbackServer
from tests.integration.all_platforms import AllPlatforms, all_platforms
from tests.integration.conftest import Drain, new_site

ARABIC_TITLE = "مصباح طاولة من خشب الزان"
ARABIC_DESCRIPTION = "<p>مصباح مكتب هادئ بضوء دافئ.</p>"
IMPORT_LIMIT = 60_000


@pytest.fixture
def platforms(settings: Settings) -> Iterator[AllPlatforms]:
    with all_platforms(replace(settings, api_rate_limit_per_minute=0, import_max_bytes=IMPORT_LIMIT)) as running:
        yield running


@dataclass
class Owner:
    """A store of one platform, as its owner calls the API; `user_id`: who the token names."""

    platform: str
    headers: Callable[[], dict[str, str]]
    user_id: str
    rename: Callable[[str, str], None]  # (product id, title): the owner renames it in the store


def wix_owner(wix_sandbox: LoopbackServer) -> Owner:
    site = new_site()
    payload = json.loads(_b64(site.instance.split(".", 1)[1]))

    def rename(product_id: str, title: str) -> None:
        httpx.patch(
            f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{product_id}", json={"name": title}
        ).raise_for_status()

    return Owner("wix", lambda: site.headers, payload["uid"], rename)


def shopify_owner(platforms: AllPlatforms) -> Owner:
    def rename(product_id: str, title: str) -> None:
        number = product_id.rsplit("/", 1)[1]
        url = f"{platforms.shopify.url}/_sandbox/shops/{platforms.shop}/products/{number}"
        httpx.patch(url, json={"title": title}).raise_for_status()

    return Owner("shopify", platforms.shopify_headers, "42", rename)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(params=["wix", "shopify"])
def owner(request: pytest.FixtureRequest, platforms: AllPlatforms, wix_sandbox: LoopbackServer) -> Owner:
    return wix_owner(wix_sandbox) if request.param == "wix" else shopify_owner(platforms)


@pytest.fixture
def api(platforms: AllPlatforms) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platforms.web.url, timeout=30) as client:
        yield client


def products(api: httpx.Client, owner: Owner, n: int) -> list[dict[str, Any]]:
    res = api.get("/api/products", params={"limit": n}, headers=owner.headers())
    assert res.status_code == 200, res.text
    found: list[dict[str, Any]] = res.json()["products"]
    return found


def store_title(api: httpx.Client, owner: Owner, product_id: str) -> str:
    [product] = [p for p in products(api, owner, 5) if p["id"] == product_id]
    title: str = product["title"]
    return title


async def job_items(
    api: httpx.Client, drain: Drain, owner: Owner, product_ids: list[str], attributes: list[str]
) -> tuple[int, list[dict[str, Any]]]:
    created = api.post(
        "/api/jobs",
        headers=owner.headers(),
        json={"source_scope": "products", "source_ids": product_ids, "attributes": attributes},
    )
    assert created.status_code == 201, created.text
    job_id: int = created.json()["job_id"]
    await drain(job_id)
    res = api.get(f"/api/jobs/{job_id}/items", headers=owner.headers())
    assert res.status_code == 200, res.text
    return job_id, res.json()["items"]


async def publish_title(api: httpx.Client, drain: Drain, owner: Owner, product_id: str, title: str) -> None:
    """A job on the product's title, the owner's own value, published."""
    _, [item] = await job_items(api, drain, owner, [product_id], ["title"])
    edited = api.patch(f"/api/items/{item['id']}", headers=owner.headers(), json={"after": title})
    assert edited.status_code == 200, edited.text
    published = api.post("/api/publish", headers=owner.headers(), json={"item_ids": [item["id"]]})
    assert published.json()["results"][0]["status"] == "published", published.text


def history(api: httpx.Client, owner: Owner, product_id: str, **params: str) -> list[dict[str, Any]]:
    res = api.get(f"/api/products/{product_id}/history", headers=owner.headers(), params=params)
    assert res.status_code == 200, res.text
    assert res.json()["product_id"] == product_id
    fields: list[dict[str, Any]] = res.json()["fields"]
    return fields


def restore(api: httpx.Client, owner: Owner, product_id: str, **body: Any) -> httpx.Response:
    return api.post(f"/api/products/{product_id}/history/revert", headers=owner.headers(), json=body)


async def test_three_publishes_listed_with_who_and_when_and_the_first_put_back(
    api: httpx.Client, drain: Drain, owner: Owner
) -> None:
    [product, other] = products(api, owner, 2)
    pid, original = product["id"], product["title"]
    for title in ("Oak lamp, first", "Oak lamp, second", "Oak lamp, third"):
        await publish_title(api, drain, owner, pid, title)
    assert store_title(api, owner, pid) == "Oak lamp, third"

    [field] = history(api, owner, pid, attribute="title")
    versions = field["versions"]
    assert [(v["kind"], v["value"]) for v in versions] == [
        ("original", original),
        ("published", "Oak lamp, first"),
        ("published", "Oak lamp, second"),
        ("published", "Oak lamp, third"),
    ]
    assert all(v["actor"] == {"kind": "owner", "user_id": owner.user_id} for v in versions[1:])
    assert [v["job_number"] for v in versions] == [None, 1, 2, 3] and all(v["at"] for v in versions[1:])
    assert history(api, owner, pid, attribute="description") == []

    first = versions[1]
    res = restore(api, owner, pid, attribute="title", log_id=first["log_id"], side=first["side"])
    assert res.status_code == 200, res.text
    log = res.json()
    assert (log["old_value"], log["new_value"], log["restored_from"]) == (
        "Oak lamp, third",
        "Oak lamp, first",
        first["log_id"],
    )
    assert log["actor"] == {"kind": "owner", "user_id": owner.user_id} and log["item_id"] is None
    assert store_title(api, owner, pid) == "Oak lamp, first"
    again = restore(api, owner, pid, attribute="title", log_id=first["log_id"])
    assert again.status_code == 409 and again.json()["error"]["reason"] == "same_value"

    # The owner renames it in the store: putting the original back is refused with the store's value…
    owner.rename(pid, "Renamed in the store")
    back = {"attribute": "title", "log_id": versions[0]["log_id"], "side": "replaced"}
    refused = restore(api, owner, pid, **back)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["current_value"] == "Renamed in the store"
    assert store_title(api, owner, pid) == "Renamed in the store"
    # …and done when forced.
    assert restore(api, owner, pid, **back, force=True).status_code == 200
    assert store_title(api, owner, pid) == original

    [field] = history(api, owner, pid)
    assert [(v["kind"], v["value"]) for v in field["versions"][4:]] == [
        ("restored", "Oak lamp, first"),
        ("store", "Renamed in the store"),
        ("restored", original),
    ]
    # The publish log shows who wrote each entry too; a revert records who reverted.
    logs = api.get("/api/publish-logs", headers=owner.headers()).json()["logs"]
    newest_published = next(entry for entry in logs if entry["restored_from"] is None)
    reverted = api.post(
        f"/api/publish-logs/{newest_published['id']}/revert", headers=owner.headers(), json={"force": True}
    )
    assert reverted.json()["reverted_by"] == {"kind": "owner", "user_id": owner.user_id}
    assert history(api, owner, other["id"]) == []


async def test_history_refuses_bad_input_and_another_stores_products(
    api: httpx.Client, drain: Drain, platforms: AllPlatforms, wix_sandbox: LoopbackServer
) -> None:
    owner, stranger = wix_owner(wix_sandbox), shopify_owner(platforms)
    [product] = products(api, owner, 1)
    pid = product["id"]
    await publish_title(api, drain, owner, pid, "Oak lamp, first")
    [field] = history(api, owner, pid)
    log_id = field["versions"][1]["log_id"]

    assert api.get(f"/api/products/{pid}/history", headers=stranger.headers()).status_code == 404
    assert restore(api, stranger, pid, attribute="title", log_id=log_id).status_code == 404
    assert api.get("/api/products/no-such-product/history", headers=owner.headers()).status_code == 404
    assert (
        api.get(f"/api/products/{pid}/history", params={"attribute": "colour"}, headers=owner.headers()).status_code
        == 422
    )
    for body in (
        {"attribute": "colour", "log_id": log_id},
        {"attribute": "title", "log_id": "1"},
        {"attribute": "title", "log_id": True},
        {"attribute": "title", "log_id": log_id, "side": "both"},
        {"attribute": "title", "log_id": log_id, "force": "yes"},
        {"log_id": log_id},
    ):
        res = restore(api, owner, pid, **body)
        assert res.status_code == 422, (body, res.text)
        assert res.json()["error"]["message"]
    # A version of another field, or of another product, is no version of this one.
    assert restore(api, owner, pid, attribute="seo_title", log_id=log_id).status_code == 404
    assert restore(api, owner, "another-product", attribute="title", log_id=log_id).status_code == 404
    bad_json = api.post(f"/api/products/{pid}/history/revert", headers=owner.headers(), content=b"{")
    assert bad_json.status_code == 400


# ---------------------------------------------------------------------------------------------
# Files


def read_csv(res: httpx.Response) -> list[dict[str, str]]:
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert res.content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"), newline="")))


def write_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return BOM + out.getvalue().encode("utf-8")


def upload(api: httpx.Client, owner: Owner, job_id: int, name: str, data: bytes) -> httpx.Response:
    return api.post(f"/api/jobs/{job_id}/import", headers=owner.headers(), files={"file": (name, data)})


async def drafts(api: httpx.Client, owner: Owner, job_id: int) -> dict[int, dict[str, Any]]:
    items = api.get(f"/api/jobs/{job_id}/items", headers=owner.headers()).json()["items"]
    return {i["id"]: i for i in items}


def statuses(report: dict[str, Any]) -> dict[int | None, tuple[str, str | None]]:
    return {r["item_id"]: (r["status"], r["reason"]) for r in report["rows"]}


async def test_csv_round_trip_with_arabic_and_formulas_neutralised(
    api: httpx.Client, drain: Drain, owner: Owner
) -> None:
    ids = [p["id"] for p in products(api, owner, 3)]
    job_id, items = await job_items(api, drain, owner, ids, ["title", "description"])
    titles = [i for i in items if i["attribute"] == "title"]
    formula = '=HYPERLINK("http://evil.example","Lamp")'
    assert (
        api.patch(f"/api/items/{titles[0]['id']}", headers=owner.headers(), json={"after": formula}).status_code == 200
    )

    res = api.get(f"/api/jobs/{job_id}/export.csv", headers=owner.headers())
    assert 'filename="job-1.csv"' in res.headers["content-disposition"]
    rows = read_csv(res)
    assert list(rows[0]) == [
        "item_id",
        "product_id",
        "product",
        "field",
        "before",
        "after",
        "status",
        "state",
        "flags",
        "score",
    ]
    assert sorted(int(r["item_id"]) for r in rows) == sorted(i["id"] for i in items)
    by_id = {int(r["item_id"]): r for r in rows}
    assert by_id[titles[0]["id"]]["after"] == "'" + formula  # neutralised in the file
    assert by_id[titles[1]["id"]]["after"] == titles[1]["after"] and by_id[titles[1]["id"]]["state"] == "NEW"

    # Imported as exported: the apostrophe comes off again, nothing changes.
    same = upload(api, owner, job_id, "job-1.csv", res.content)
    assert same.status_code == 200, same.text
    assert same.json()["counts"] == {"taken": 0, "unchanged": len(items), "refused": 0}
    assert (await drafts(api, owner, job_id))[titles[0]["id"]]["after"] == formula

    description = next(i for i in items if i["attribute"] == "description")
    by_id[titles[1]["id"]]["after"] = ARABIC_TITLE
    by_id[titles[2]["id"]]["after"] = "x" * 200  # over the title's limit
    by_id[description["id"]]["after"] = ARABIC_DESCRIPTION + "<script>alert(1)</script>"
    edited = [*by_id.values(), {**rows[0], "item_id": "999999999"}, {**rows[0], "item_id": "not a number"}]
    report = upload(api, owner, job_id, "edited.csv", write_csv(edited))
    assert report.status_code == 200, report.text
    got = statuses(report.json())
    assert got[titles[1]["id"]] == ("taken", None) and got[description["id"]] == ("taken", None)
    assert got[titles[2]["id"]][0] == "refused" and "too_long" in (got[titles[2]["id"]][1] or "")
    assert got[999999999] == ("refused", "This row names no field of this job.") and got[None][0] == "refused"
    assert report.json()["counts"] == {"taken": 2, "unchanged": len(items) - 3, "refused": 3}
    assert [r["row"] for r in report.json()["rows"]] == list(range(2, len(edited) + 2))

    now = await drafts(api, owner, job_id)
    assert (now[titles[1]["id"]]["after"], now[titles[1]["id"]]["review_state"]) == (ARABIC_TITLE, "EDITED")
    assert "<script>" not in now[description["id"]]["after"] and "مصباح مكتب هادئ" in now[description["id"]]["after"]
    assert now[titles[2]["id"]]["after"] == titles[2]["after"]
    # The Arabic comes out of the next export intact.
    again = {int(r["item_id"]): r for r in read_csv(api.get(f"/api/jobs/{job_id}/export.csv", headers=owner.headers()))}
    assert again[titles[1]["id"]]["after"] == ARABIC_TITLE and again[titles[1]["id"]]["state"] == "EDITED"


async def test_xlsx_round_trip_keeps_text_as_text_and_refuses_a_typed_formula(
    api: httpx.Client, drain: Drain, owner: Owner
) -> None:
    ids = [p["id"] for p in products(api, owner, 2)]
    job_id, items = await job_items(api, drain, owner, ids, ["title", "seo_description"])
    first, second = [i for i in items if i["attribute"] == "title"]
    assert (
        api.patch(f"/api/items/{first['id']}", headers=owner.headers(), json={"after": "-5 % Oak lamp"}).status_code
        == 200
    )

    res = api.get(f"/api/jobs/{job_id}/export.xlsx", headers=owner.headers())
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(res.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["item_id", "product_id", "product", "field", "before", "after"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(rows) == len(items)
    cell = rows[first["id"]][5]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("-5 % Oak lamp", "s", True)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)

    rows[second["id"]][5].value = ARABIC_TITLE
    seo = next(i for i in items if i["attribute"] == "seo_description")
    rows[seo["id"]][5].value = "=1+1"  # a formula typed in Excel
    out = io.BytesIO()
    book.save(out)
    report = upload(api, owner, job_id, "job-1.xlsx", out.getvalue())
    assert report.status_code == 200, report.text
    got = statuses(report.json())
    assert got[second["id"]] == ("taken", None) and got[first["id"]] == ("unchanged", None)
    assert got[seo["id"]] == ("refused", "This cell holds a formula; type the text itself.")
    now = await drafts(api, owner, job_id)
    assert now[second["id"]]["after"] == ARABIC_TITLE and now[first["id"]]["after"] == "-5 % Oak lamp"


async def test_bad_files_and_another_stores_job_are_refused(
    api: httpx.Client, drain: Drain, platforms: AllPlatforms, wix_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    owner, stranger = wix_owner(wix_sandbox), shopify_owner(platforms)
    ids = [p["id"] for p in products(api, owner, 1)]
    job_id, items = await job_items(api, drain, owner, ids, ["title"])
    good = api.get(f"/api/jobs/{job_id}/export.csv", headers=owner.headers()).content

    for path in ("export.csv", "export.xlsx"):
        assert api.get(f"/api/jobs/{job_id}/{path}", headers=stranger.headers()).status_code == 404
    assert upload(api, stranger, job_id, "job.csv", good).status_code == 404
    assert api.get("/api/jobs/999999999/export.csv", headers=owner.headers()).status_code == 404

    too_big = upload(api, owner, job_id, "job.csv", good + b"x" * IMPORT_LIMIT)
    assert too_big.status_code == 413 and too_big.json()["error"]["message"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
    cases = {
        "bomb": ("job.xlsx", bomb.getvalue(), 422, "inflate"),
        "not xlsx": ("job.xlsx", b"PK\x03\x04 broken", 422, "not an Excel workbook"),
        "latin-1": ("job.csv", "item_id,after\n1,é\n".encode("latin-1"), 422, "UTF-8"),
        "no columns": ("job.csv", b"name,value\nx,y\n", 422, "'item_id' and 'after'"),
        "too many rows": ("job.csv", b"item_id,after\n" + b"1,a\n" * 102, 422, "more than 101 rows"),
        "empty": ("job.csv", b"", 422, "empty"),
    }
    for name, (filename, data, status, message) in cases.items():
        res = upload(api, owner, job_id, filename, data)
        assert res.status_code == status, (name, res.text)
        assert message in res.json()["error"]["message"], (name, res.text)
    not_multipart = api.post(f"/api/jobs/{job_id}/import", headers=owner.headers(), content=good)
    assert not_multipart.status_code == 400
    no_file = api.post(f"/api/jobs/{job_id}/import", headers=owner.headers(), files={"other": ("x.csv", good)})
    assert no_file.status_code == 400
    async with pool.acquire() as conn:
        after = await conn.fetchval("SELECT after_value FROM job_items WHERE id = $1", items[0]["id"])
    assert after == items[0]["after"]


async def test_catalog_audit_lists_every_product_with_its_missing_fields(
    api: httpx.Client, owner: Owner, pool: asyncpg.Pool
) -> None:
    rows = read_csv(api.get("/api/catalog/audit.csv", headers=owner.headers()))
    assert list(rows[0]) == ["product_id", "product", "missing", "missing_count", "optimised_at", "duplicate_of"]
    async with pool.acquire() as conn:
        indexed = await conn.fetch(
            "SELECT product_id, missing_fields FROM catalog_products cp JOIN stores s ON s.id = cp.store_id"
            " WHERE s.platform = $1 ORDER BY product_id",
            owner.platform,
        )
    assert sorted(r["product_id"] for r in rows) == [r["product_id"] for r in indexed]
    missing = {r["product_id"]: r["missing"] for r in rows}
    assert missing == {r["product_id"]: ", ".join(r["missing_fields"]) for r in indexed}
    assert any(r["missing"] for r in rows), "the sandbox catalog has products lacking SEO fields"
    assert all(int(r["missing_count"]) == len([m for m in r["missing"].split(", ") if m]) for r in rows)

    res = api.get("/api/catalog/audit.xlsx", headers=owner.headers())
    assert res.status_code == 200 and 'filename="catalog-audit.xlsx"' in res.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(res.content)).worksheets[0]
    assert sheet.max_row == len(rows) + 1


async def test_the_session_the_wix_page_issues_keeps_the_user_who_opened_it(
    api: httpx.Client, drain: Drain, wix_sandbox: LoopbackServer
) -> None:
    owner = wix_owner(wix_sandbox)
    page = api.get("/app/wix", params={"instance": owner.headers()["X-Wix-Instance"]})
    assert page.status_code == 200, page.text
    session = json.loads(page.text.split('type="application/json">')[1].split("</script>")[0])["session"]
    by_session = Owner("wix", lambda: {"Authorization": f"Bearer {session}"}, owner.user_id, owner.rename)
    [product] = products(api, by_session, 1)
    await publish_title(api, drain, by_session, product["id"], "Oak lamp, by session")
    [field] = history(api, by_session, product["id"])
    assert field["versions"][-1]["actor"] == {"kind": "owner", "user_id": owner.user_id}
