"""Which fields a store can publish, from what the app learned of its site (`Store.site_facts`).

WooCommerce has no SEO fields of its own; an SEO plugin keeps them in the product's meta, and the
storefront prints only the active plugin's keys. The app writes the keys of Yoast SEO and Rank
Math; on a site with neither (or another plugin), SEO fields are not publishable and are refused
before anything is charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .attributes import Attribute

# The SEO plugins whose meta keys the WooCommerce client writes (platforms/woocommerce.py).
WOOCOMMERCE_SEO_PLUGINS = ("yoast", "rank_math")
NO_SEO_PLUGIN = "no_seo_plugin"
SEO_ATTRIBUTES = (Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)


def unpublishable(platform: str, site_facts: Mapping[str, Any]) -> dict[Attribute, str]:
    """The fields a store cannot publish, each with the reason's code."""
    if platform == "woocommerce" and site_facts.get("seo_plugin") not in WOOCOMMERCE_SEO_PLUGINS:
        return dict.fromkeys(SEO_ATTRIBUTES, NO_SEO_PLUGIN)
    return {}


def refusal_message(blocked: Mapping[Attribute, str]) -> str:
    """Why these fields (from `unpublishable`) cannot be published, for the owner."""
    return (
        f"{' and '.join(a.label for a in blocked)} cannot be published on this WordPress site: it has no SEO "
        "plugin the app writes to (Yoast SEO or Rank Math). Install one, then connect the site again."
    )
