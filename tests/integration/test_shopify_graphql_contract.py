"""Every GraphQL document the Shopify client sends, checked against Shopify's published Admin API
schema (2026-10): valid, free of deprecated fields, arguments, input fields and enum values, and
with the variables the client really sends accepted by the schema's input types."""

from __future__ import annotations

import gzip
import json
from functools import cache
from typing import Any

import pytest
from graphql import (
    ArgumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    ValidationRule,
    build_client_schema,
    get_named_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values

from optimizer_app.domain.attributes import Attribute
from optimizer_app.platforms.shopify import DOCUMENTS, MEDIA_CHUNK, UPDATE_BATCH, search_query, to_product_input
from optimizer_sandbox.shopify import SCHEMA_PATH

CONTRACT = SCHEMA_PATH


@cache
def schema() -> GraphQLSchema:
    with gzip.open(CONTRACT) as f:
        data = json.load(f)
    return build_client_schema(data.get("data") or data, assume_valid=True)


class NoDeprecatedUsage(ValidationRule):
    """Reports every deprecated field, argument, input field or enum value a document uses."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        field = self.context.get_field_def()
        if field is not None and field.deprecation_reason:
            self.report_error(
                GraphQLError(f"Field '{node.name.value}' is deprecated: {field.deprecation_reason}", node)
            )

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        argument = self.context.get_argument()
        if argument is not None and argument.deprecation_reason:
            self.report_error(
                GraphQLError(f"Argument '{node.name.value}' is deprecated: {argument.deprecation_reason}", node)
            )

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.context.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            field = parent.fields.get(node.name.value)
            if field is not None and field.deprecation_reason:
                self.report_error(GraphQLError(f"Input field '{node.name.value}' is deprecated", node))

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        enum = get_named_type(self.context.get_input_type())
        if isinstance(enum, GraphQLEnumType):
            value = enum.values.get(node.value)
            if value is not None and value.deprecation_reason:
                self.report_error(GraphQLError(f"Enum value '{node.value}' is deprecated", node))


RULES = [*specified_rules, NoDeprecatedUsage]

SAMPLE_VARIABLES: dict[str, dict[str, Any]] = {
    "Products": {"first": 50, "after": None, "query": search_query('red "wool" shirt')},
    "CollectionProducts": {"id": "gid://shopify/Collection/1", "first": 50, "after": "cursor"},
    "Product": {"id": "gid://shopify/Product/1"},
    "ProductsById": {"ids": ["gid://shopify/Product/1", "gid://shopify/Product/2"]},
    "Collections": {"first": 250, "after": None},
    "ProductUpdate": {
        "product": to_product_input(
            "gid://shopify/Product/1",
            {
                Attribute.TITLE: "t",
                Attribute.DESCRIPTION: "<p>d</p>",
                Attribute.SEO_TITLE: "s",
                Attribute.SEO_DESCRIPTION: "m",
            },
        )
    },
    **{
        f"ProductsUpdate{n}": {
            f"p{i}": to_product_input(f"gid://shopify/Product/{i}", {Attribute.TITLE: "t", Attribute.SEO_TITLE: "s"})
            for i in range(n)
        }
        for n in range(1, UPDATE_BATCH + 1)
    },
    "ProductMedia": {"ids": [f"gid://shopify/Product/{i}" for i in range(1, MEDIA_CHUNK + 1)]},
    "FileUpdate": {
        "files": [
            {"id": "gid://shopify/MediaImage/11", "alt": "Linen shirt, front"},
            {"id": "gid://shopify/MediaImage/12", "alt": "Back"},
        ]
    },
    "Shop": {},
    "WebhookSubscriptions": {"topics": ["PRODUCTS_CREATE", "PRODUCTS_UPDATE"], "first": 100, "after": None},
    "WebhookSubscriptionCreate": {
        "topic": "PRODUCTS_CREATE",
        "webhookSubscription": {"uri": "https://app.example.com/webhooks/shopify", "format": "JSON"},
    },
    "AppSubscriptionCreate": {
        "name": "Pro",
        "returnUrl": "https://app.example.com/app/shopify?shop=a.myshopify.com",
        "test": True,
        "lineItems": [
            {
                "plan": {
                    "appRecurringPricingDetails": {
                        "price": {"amount": 29.0, "currencyCode": "USD"},
                        "interval": "EVERY_30_DAYS",
                    }
                }
            }
        ],
    },
}


def errors_of(source: str) -> list[str]:
    return [e.message for e in validate(schema(), parse(source), RULES)]


def test_the_contract_is_the_2026_10_admin_schema() -> None:
    s = schema()
    assert s.query_type is not None and "products" in s.query_type.fields
    assert s.mutation_type is not None and "productUpdate" in s.mutation_type.fields


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_client_document_is_valid_and_not_deprecated(name: str) -> None:
    assert errors_of(DOCUMENTS[name]) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_variables_the_client_sends_fit_the_schema(name: str) -> None:
    document = parse(DOCUMENTS[name])
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    assert operation.name is not None and operation.name.value == name
    coerced = get_variable_values(schema(), operation.variable_definitions or (), SAMPLE_VARIABLES[name])
    assert not isinstance(coerced, list), [e.message for e in coerced]


def test_the_rule_catches_deprecated_usage() -> None:
    deprecated_argument = "mutation($i: ProductInput!) { productUpdate(input: $i) { userErrors { field message } } }"
    assert any("Argument 'input' is deprecated" in e for e in errors_of(deprecated_argument))
    deprecated_field = "{ products(first: 1) { nodes { featuredImage { url } } } }"
    assert any("Field 'featuredImage' is deprecated" in e for e in errors_of(deprecated_field))
    unknown = "{ products(first: 1) { nodes { noSuchField } } }"
    assert any("noSuchField" in e for e in errors_of(unknown))
