"""Near-duplicate descriptions across a store's catalog: the similarity index, and the refusal of a
generated description too close to another product's.

The index follows the catalog index (catalog.py): each product's description gets a MinHash
signature whose band buckets are rows in PostgreSQL, so the products a description may be near are
found by an indexed lookup of equal buckets, then verified on the estimated similarity
(domain.near_duplicates.THRESHOLD). The verified pairs are kept, so the picker's `duplicate`
filter and each product's `duplicate_of` are lookups too. It is brought up to date in the
transaction that writes a page of a sync, the products read again after the app changed them, and
each description the app publishes or reverts; an unchanged description costs a digest, not a
signature.

A draft description is checked against the store's signatures with one query per product; a near
copy is refused as `duplicate_content` naming the closest product, and the worker asks once more
at once, showing the model the draft set aside (ask_again). The queue retries what is still a
copy; after the last attempt the item fails with that reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import asyncpg

from . import sql
from .domain.attributes import Attribute
from .domain.near_duplicates import BANDS, is_near_duplicate
from .llm.base import Generation, GenerationRequest, LLMProvider, Rewrite, Usage
from .llm.checks import duplicate_content, is_duplicate_content
from .llm.facts import FactFlag
from .minhash import Signature, signature, similarities, text_hash

log = logging.getLogger(__name__)
Q = sql.load("duplicates")

_BAND_NUMBERS = list(range(BANDS))
# What the model is told when its description is asked for again (the draft is shown beside it).
ASK_AGAIN_NOTE = (
    "The previous description was almost the same as another product's description in this store, "
    "which search engines treat as duplicate content. Write it in your own words, with the same facts."
)


@dataclass(frozen=True)
class NearCopy:
    """Another product of the store whose description a text is near."""

    product_id: str
    title: str
    similarity: float


async def index_descriptions(conn: asyncpg.Connection, store_id: int, descriptions: Mapping[str, str]) -> None:
    """Bring the signatures of these indexed products' descriptions (HTML or text, by product id)
    and their near-duplicate pairs up to date, inside the caller's transaction. Products not in
    the catalog index are left out."""
    if not descriptions:
        return
    await conn.execute(Q["lock_store_index"], store_id)
    ids = list(descriptions)
    known = {r["product_id"]: bytes(r["text_hash"]) for r in await conn.fetch(Q["known_hashes"], store_id, ids)}
    changed: dict[str, Signature] = {}
    emptied: list[str] = []
    for pid, text in descriptions.items():
        digest = text_hash(text)
        if digest is None:
            if pid in known:
                emptied.append(pid)
        elif known.get(pid) != digest:
            found = signature(text)
            if found is not None:
                changed[pid] = found
    if emptied:
        await conn.execute(Q["forget_signatures"], store_id, emptied)
    if not changed:
        return
    saved = [
        r["product_id"]
        for r in await conn.fetch(
            Q["save_signatures"],
            store_id,
            list(changed),
            [s.text_hash for s in changed.values()],
            [s.values for s in changed.values()],
        )
    ]
    if not saved:
        return
    ids, bands, buckets = _band_rows({pid: changed[pid] for pid in saved})
    await conn.execute(Q["save_bands"], store_id, ids, bands, buckets)
    await conn.execute(Q["drop_pairs"], store_id, saved)
    rows = await conn.fetch(Q["candidates"], store_id, ids, bands, buckets)
    pairs: dict[tuple[str, str], float] = {}
    for row, sim in zip(rows, _similarities_of(changed, rows), strict=True):
        a, b = sorted((row["product_id"], row["other_id"]))
        if is_near_duplicate(sim):
            pairs[(a, b)] = sim
    if pairs:
        await conn.execute(
            Q["save_pairs"], store_id, [a for a, _ in pairs], [b for _, b in pairs], list(pairs.values())
        )


def written_descriptions(values: Mapping[str, Mapping[Attribute, str]], written: Sequence[str]) -> dict[str, str]:
    """The descriptions among values written to the store, by product (for index_descriptions)."""
    return {pid: values[pid][Attribute.DESCRIPTION] for pid in written if Attribute.DESCRIPTION in values.get(pid, {})}


async def stores_with_signatures(conn: asyncpg.Connection, store_ids: Iterable[int]) -> set[int]:
    """The stores among `store_ids` whose catalog index holds a description to compare with."""
    return {r["store_id"] for r in await conn.fetch(Q["stores_with_signatures"], list(set(store_ids)))}


async def near_copies(conn: asyncpg.Connection, store_id: int, product_id: str, text: str) -> list[NearCopy]:
    """The store's other products whose description `text` is near, closest first."""
    draft = signature(text)
    if draft is None:
        return []
    rows = await conn.fetch(Q["draft_candidates"], store_id, product_id, _BAND_NUMBERS, list(draft.buckets))
    found = [
        NearCopy(r["product_id"], r["title"], sim)
        for r, sim in zip(rows, similarities(draft.values, [bytes(r["signature"]) for r in rows]), strict=True)
        if is_near_duplicate(sim)
    ]
    return sorted(found, key=lambda c: (-c.similarity, c.product_id))


async def refuse_near_copies(pool: asyncpg.Pool, store_id: int, product_id: str, generation: Generation) -> Generation:
    """The generation for one of the store's products, with a description too close to another
    product's refused as `duplicate_content` (naming the closest one) instead of kept."""
    value = generation.values.get(Attribute.DESCRIPTION)
    if value is None:
        return generation
    async with pool.acquire() as conn:
        copies = await near_copies(conn, store_id, product_id, value)
    if not copies:
        return generation
    closest = copies[0]
    return replace(
        generation,
        values={a: v for a, v in generation.values.items() if a is not Attribute.DESCRIPTION},
        rejected={
            **generation.rejected,
            Attribute.DESCRIPTION: duplicate_content(closest.product_id, closest.title, closest.similarity),
        },
        flags={a: f for a, f in generation.flags.items() if a is not Attribute.DESCRIPTION},
    )


async def ask_again(
    pool: asyncpg.Pool,
    provider: LLMProvider,
    request: GenerationRequest,
    store_id: int,
    generation: Generation,
) -> Generation:
    """Check the generation's description (refuse_near_copies); when it was refused as a near copy
    and the provider may answer otherwise, ask once more for the description alone, showing the
    model the draft set aside, and check that answer too. The calls' usage adds up."""
    product_id = request.product.id
    checked = await refuse_near_copies(pool, store_id, product_id, generation)
    refusal = checked.rejected.get(Attribute.DESCRIPTION, "")
    if not is_duplicate_content(refusal) or not generation.retry_rejected:
        return checked
    draft = generation.values[Attribute.DESCRIPTION]
    owner_note = next((r.note for r in request.rewrites if r.attribute is Attribute.DESCRIPTION), "")
    again_request = replace(
        request,
        attributes=(Attribute.DESCRIPTION,),
        rewrites=(Rewrite(Attribute.DESCRIPTION, draft, f"{owner_note} {ASK_AGAIN_NOTE}".strip()),),
    )
    try:
        again = await refuse_near_copies(pool, store_id, product_id, await provider.generate(again_request))
    except Exception as exc:  # the first refusal stands; the queue asks again later
        log.warning("asking again for product %s's description failed: %s", product_id, exc)
        return checked
    values: dict[Attribute, str] = {a: v for a, v in checked.values.items() if a is not Attribute.DESCRIPTION}
    rejected: dict[Attribute, str] = {a: r for a, r in checked.rejected.items() if a is not Attribute.DESCRIPTION}
    flags: dict[Attribute, list[FactFlag]] = {a: f for a, f in checked.flags.items() if a is not Attribute.DESCRIPTION}
    if Attribute.DESCRIPTION in again.values:
        values[Attribute.DESCRIPTION] = again.values[Attribute.DESCRIPTION]
        if again.flags.get(Attribute.DESCRIPTION):
            flags[Attribute.DESCRIPTION] = again.flags[Attribute.DESCRIPTION]
    else:
        rejected[Attribute.DESCRIPTION] = again.rejected.get(Attribute.DESCRIPTION, refusal)
    return replace(checked, values=values, rejected=rejected, flags=flags, usage=_added(checked.usage, again.usage))


def _band_rows(signatures: Mapping[str, Signature]) -> tuple[list[str], list[int], list[int]]:
    ids: list[str] = []
    bands: list[int] = []
    buckets: list[int] = []
    for pid, sig in signatures.items():
        ids += [pid] * BANDS
        bands += _BAND_NUMBERS
        buckets += sig.buckets
    return ids, bands, buckets


def _similarities_of(changed: Mapping[str, Signature], rows: Sequence[asyncpg.Record]) -> list[float]:
    by_product: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_product.setdefault(r["product_id"], []).append(i)
    result = [0.0] * len(rows)
    for pid, positions in by_product.items():
        sims = similarities(changed[pid].values, [bytes(rows[i]["signature"]) for i in positions])
        for i, sim in zip(positions, sims, strict=True):
            result[i] = sim
    return result


def _added(a: Usage, b: Usage) -> Usage:
    return Usage(a.prompt_tokens + b.prompt_tokens, a.completion_tokens + b.completion_tokens, a.calls + b.calls)
