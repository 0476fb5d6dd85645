"""The OpenAPI description of /api stays true: served at /api/openapi.json, every /api route of the
app described and every described operation routed, and its example requests valid."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs
import schemathesis
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from starlette.routing import Route

from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_app.web.openapi import document
from optimizer_sandbox.runner import LoopbackServer

Operation = APIOperation[Any, Any, Any, Any]


def loaded_operations(description: dict[str, Any]) -> list[Operation]:
    """The operations Schemathesis loads from the description; one it cannot load is raised."""
    operations = []
    for result in schemathesis.openapi.from_dict(description).get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def routed_operations(settings: Settings) -> set[tuple[str, str]]:
    operations = set()
    for route in create_app(settings).routes:
        if isinstance(route, Route) and route.path.startswith("/api") and route.methods:
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            operations |= {(method.lower(), path) for method in route.methods if method != "HEAD"}
    return operations


def described_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in document()["paths"].items() for method in item}


def test_every_api_route_is_described_and_every_description_is_routed(settings: Settings) -> None:
    routed = routed_operations(settings)
    assert len(routed) >= 18
    assert routed - described_operations() == set(), "routes missing from the description"
    assert described_operations() - routed == set(), "described operations that no route serves"


def test_the_description_is_served_and_loads_as_openapi_3_1(settings: Settings) -> None:
    with LoopbackServer(create_app(settings)) as web:
        res = httpx.get(f"{web.url}/api/openapi.json")
    assert res.status_code == 200 and res.json() == document()
    assert res.json()["openapi"] == "3.1.0"
    loaded = loaded_operations(res.json())
    assert {(op.method.lower(), op.path) for op in loaded} == described_operations()


def test_every_request_example_is_valid_against_its_schema() -> None:
    checked = 0
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            for status, response in operation["responses"].items():
                assert "$ref" in response or status.startswith("2"), (method, path, status)
            content = body and body["content"].get("application/json")
            if content is None:  # no body, or a file upload (multipart)
                continue
            jsonschema_rs.Draft202012Validator(content["schema"]).validate(content["example"])
            checked += 1
    assert checked == 17


def test_every_error_answer_is_the_documented_envelope() -> None:
    envelope = document()["components"]["schemas"]["Error"]
    validator = jsonschema_rs.Draft202012Validator(envelope)
    validator.validate({"error": {"code": "not_found", "message": "No such job."}})
    assert not validator.is_valid({"detail": "Not Found"})
