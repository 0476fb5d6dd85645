"""A filter over a store's catalog: the parameters of `GET /api/products` and the `query` of a job
created with `source_scope: "query"` are the same object, read by the same rules here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .attributes import Attribute

MAX_TEXT_CHARS = 200
MAX_ID_CHARS = 200
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
_KEYS = ("q", "collection_id", "missing", "optimised", "duplicate")


class QueryError(ValueError):
    """A filter that cannot be read; the message says what is wrong in one sentence."""


@dataclass(frozen=True)
class ProductQuery:
    """Products whose title or description contains `q`, in collection `collection_id`, missing
    any of the `missing` fields (empty, or for a description nothing but markup and spaces),
    optimised (a change the app published and that was not reverted) or not, and whose
    description is a near-duplicate of another product's (domain.near_duplicates) or not."""

    q: str | None = None
    collection_id: str | None = None
    missing: tuple[Attribute, ...] = ()
    optimised: bool | None = None
    duplicate: bool | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q or self.collection_id or self.missing or self.optimised is not None or self.duplicate is not None
        )

    def to_json(self) -> dict[str, Any]:
        """The filter as the API shows it, only the parts that are set."""
        data: dict[str, Any] = {}
        if self.q:
            data["q"] = self.q
        if self.collection_id:
            data["collection_id"] = self.collection_id
        if self.missing:
            data["missing"] = [a.value for a in self.missing]
        if self.optimised is not None:
            data["optimised"] = self.optimised
        if self.duplicate is not None:
            data["duplicate"] = self.duplicate
        return data


def parse_missing(values: Sequence[str]) -> tuple[Attribute, ...]:
    """Field names, repeated or comma separated; order kept, duplicates dropped."""
    found: dict[Attribute, None] = {}
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            try:
                found[Attribute(name)] = None
            except ValueError:
                allowed = ", ".join(a.value for a in Attribute)
                raise QueryError(f"missing names an unknown field {name[:40]!r}; use {allowed}.") from None
    return tuple(found)


def parse_optimised(value: object, name: str = "optimised") -> bool | None:
    """true or false (a JSON boolean, or in a URL true/false, 1/0, yes/no); None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise QueryError(f"{name} must be true or false.")


def _text(value: object, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise QueryError(f"{name} must be text.")
    text = value.strip()
    if len(text) > limit:
        raise QueryError(f"{name} must be at most {limit} characters.")
    if "\x00" in text:
        raise QueryError(f"{name} must not contain NUL characters.")
    return text or None


def from_params(
    *,
    q: str | None,
    collection_id: str | None,
    missing: Sequence[str],
    optimised: str | None,
    duplicate: str | None = None,
) -> ProductQuery:
    """The filter of a URL's query parameters."""
    return ProductQuery(
        q=_text(q, "q", MAX_TEXT_CHARS),
        collection_id=_text(collection_id, "collection_id", MAX_ID_CHARS),
        missing=parse_missing(missing),
        optimised=parse_optimised(optimised),
        duplicate=parse_optimised(duplicate, "duplicate"),
    )


def from_json(data: object) -> ProductQuery:
    """The filter of a job's `query` object; at least one part must be set (a job over the whole
    catalog is not a filter)."""
    if not isinstance(data, dict):
        raise QueryError("query must be an object with q, collection_id, missing, optimised and/or duplicate.")
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise QueryError(
            f"query has an unknown key {unknown[0][:40]!r}; use q, collection_id, missing, optimised, duplicate."
        )
    missing = data.get("missing")
    if missing is None:
        missing = []
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        raise QueryError("query.missing must be a list of field names.")
    collection_id = data.get("collection_id")
    if isinstance(collection_id, int) and not isinstance(collection_id, bool):
        collection_id = str(collection_id)
    optimised = data.get("optimised")
    if optimised is not None and not isinstance(optimised, bool):
        raise QueryError("query.optimised must be true or false.")
    duplicate = data.get("duplicate")
    if duplicate is not None and not isinstance(duplicate, bool):
        raise QueryError("query.duplicate must be true or false.")
    query = ProductQuery(
        q=_text(data.get("q"), "query.q", MAX_TEXT_CHARS),
        collection_id=_text(collection_id, "query.collection_id", MAX_ID_CHARS),
        missing=parse_missing(missing),
        optimised=optimised,
        duplicate=duplicate,
    )
    if not query.is_filtered:
        raise QueryError("query must set at least one of q, collection_id, missing, optimised or duplicate.")
    return query
