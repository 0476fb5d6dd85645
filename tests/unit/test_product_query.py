"""The catalog filter read from URL parameters and from a job's `query`, and a job's ETA."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.jobs import eta_seconds
from optimizer_app.domain.product_query import ProductQuery, QueryError, from_json, from_params


def test_missing_may_repeat_or_be_comma_separated_and_keeps_order_without_repeats() -> None:
    query = from_params(q="  linen ", collection_id=None, missing=["seo_title,description", "seo_title"], optimised="0")
    assert query == ProductQuery(q="linen", missing=(Attribute.SEO_TITLE, Attribute.DESCRIPTION), optimised=False)
    assert query.is_filtered
    assert query.to_json() == {"q": "linen", "missing": ["seo_title", "description"], "optimised": False}


def test_no_parameter_is_no_filter() -> None:
    query = from_params(q="  ", collection_id="", missing=[], optimised="")
    assert query == ProductQuery() and not query.is_filtered and query.to_json() == {}


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"missing": ["price"]}, "unknown field 'price'"),
        ({"optimised": "maybe"}, "optimised must be true or false"),
        ({"q": "x" * 201}, "at most 200"),
        ({"collection_id": "a\x00b"}, "NUL"),
        ({"duplicate": "often"}, "duplicate must be true or false"),
    ],
)
def test_bad_parameters_say_what_is_wrong(params: dict[str, Any], complaint: str) -> None:
    given: dict[str, Any] = {"q": None, "collection_id": None, "missing": [], "optimised": None, **params}
    with pytest.raises(QueryError, match=complaint):
        from_params(**given)


def test_a_jobs_query_object_reads_like_the_parameters() -> None:
    assert from_json({"collection_id": 42, "missing": ["title"], "optimised": True}) == ProductQuery(
        collection_id="42", missing=(Attribute.TITLE,), optimised=True
    )


def test_duplicate_is_a_filter_of_its_own_in_parameters_and_in_a_jobs_query() -> None:
    query = from_params(q=None, collection_id=None, missing=[], optimised=None, duplicate="true")
    assert query == ProductQuery(duplicate=True) and query.is_filtered
    assert query.to_json() == {"duplicate": True}
    assert from_params(q=None, collection_id=None, missing=[], optimised=None, duplicate="no").duplicate is False
    assert from_json({"duplicate": False, "missing": ["description"]}) == ProductQuery(
        missing=(Attribute.DESCRIPTION,), duplicate=False
    )


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ([], "must be an object"),
        ({}, "at least one"),
        ({"q": "  "}, "at least one"),
        ({"optimised": "true"}, "true or false"),
        ({"missing": "title"}, "list of field names"),
        ({"missing": ["title", 3]}, "list of field names"),
        ({"q": 5}, "must be text"),
        ({"sort": "title"}, "unknown key 'sort'"),
        ({"duplicate": "yes"}, "query.duplicate must be true or false"),
        ({"duplicate": None}, "at least one"),
    ],
)
def test_a_bad_query_object_is_refused_in_one_sentence(data: object, complaint: str) -> None:
    with pytest.raises(QueryError, match=complaint):
        from_json(data)


def test_eta_uses_the_jobs_own_rate_then_the_workers_and_ends_with_the_job() -> None:
    assert eta_seconds("RUNNING", remaining=90, finished=10, running_seconds=5.0, fallback_rate=100.0) == 45
    assert eta_seconds("PENDING", remaining=90, finished=0, running_seconds=None, fallback_rate=4.0) == 23
    assert eta_seconds("PENDING", remaining=90, finished=0, running_seconds=None, fallback_rate=None) is None
    assert eta_seconds("RUNNING", remaining=0, finished=9, running_seconds=3.0, fallback_rate=None) == 0
    for ended in ("DONE", "DONE_WITH_FAILURES", "FAILED", "CANCELED"):
        assert eta_seconds(ended, remaining=5, finished=5, running_seconds=3.0, fallback_rate=1.0) is None
