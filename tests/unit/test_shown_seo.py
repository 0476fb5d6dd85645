"""The SEO values the clients report are what the product's page prints."""

from __future__ import annotations

from typing import Any

from optimizer_app.platforms.wix_seo import seo_tag
from optimizer_app.platforms.woocommerce import to_product


def test_a_disabled_wix_tag_prints_nothing() -> None:
    tags: list[dict[str, Any]] = [
        {"type": "title", "children": "Hidden", "disabled": True},
        {"type": "meta", "props": {"name": "description", "content": "Hidden too"}, "disabled": True},
    ]
    assert (seo_tag(tags, "title"), seo_tag(tags, "description")) == ("", "")
    tags.append({"type": "title", "children": "Shown", "disabled": False})
    assert seo_tag(tags, "title") == "Shown"


def _woo(meta: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"id": 7, "name": "Beanie", "meta_data": [{"key": k, "value": v} for k, v in meta.items()], **extra}


def test_yoast_text_is_shown_as_stored_and_a_template_as_yoast_renders_it() -> None:
    rendered = {"title": "Beanie &amp; Hat - Shop", "description": "Buy Beanie online."}
    literal = to_product(_woo({"_yoast_wpseo_title": "Warm beanie"}, yoast_head_json=rendered), "yoast")
    assert literal.seo_title == "Warm beanie" and literal.seo_description == ""
    templated = to_product(
        _woo(
            {"_yoast_wpseo_title": "%%title%% %%sep%% %%sitename%%", "_yoast_wpseo_metadesc": "Buy %%title%% online."},
            yoast_head_json=rendered,
            permalink="https://shop.example/product/beanie/",
        ),
        "yoast",
    )
    assert (templated.seo_title, templated.seo_description) == ("Beanie & Hat - Shop", "Buy Beanie online.")
    assert templated.url == "https://shop.example/product/beanie/"
    # A template without Yoast's rendering beside it: nothing the app can show as printed.
    assert to_product(_woo({"_yoast_wpseo_title": "%%title%% %%sep%%"}), "yoast").seo_title == ""
    # Yoast's default (no key set) is not a value of the owner's own.
    assert to_product(_woo({}, yoast_head_json=rendered), "yoast").seo_title == ""


def test_a_rank_math_template_is_no_value_of_the_owners_own_and_its_text_is() -> None:
    assert to_product(_woo({"rank_math_title": "%title% %sep% %sitename%"}), "rank_math").seo_title == ""
    assert to_product(_woo({"rank_math_title": "%customfield(brand)% deal"}), "rank_math").seo_title == ""
    assert to_product(_woo({"rank_math_title": "Beanie, 100% wool"}), "rank_math").seo_title == "Beanie, 100% wool"
    assert to_product(_woo({"rank_math_title": "Beanie"}), None).seo_title == ""
