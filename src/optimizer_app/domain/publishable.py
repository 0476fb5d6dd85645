"""Which fields a store can publish, from what the app learned of its site (`Store.site_facts`).

WooCommerce has no SEO fields of its own; an SEO plugin keeps them in the product's meta, and the
storefront prints only the active plugin's keys. The app writes the keys of Yoast SEO and Rank
Math; on a site with neither (or another plugin), SEO fields are not publishable and are refused
before anything is charged.

Image alt text is written through each platform's media API; Wix Catalog V1 has none that sets it
(Add Product Media takes only a media id or URL:
https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/add-product-media.md),
so on a V1 site `image_alt` is not publishable either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .attributes import Attribute

# The SEO plugins whose meta keys the WooCommerce client writes (platforms/woocommerce.py).
WOOCOMMERCE_SEO_PLUGINS = ("yoast", "rank_math")
NO_SEO_PLUGIN = "no_seo_plugin"
WIX_CATALOG_V1 = "wix_catalog_v1"
SEO_ATTRIBUTES = (Attribute.SEO_TITLE, Attribute.SEO_DESCRIPTION)


def unpublishable(
    platform: str, site_facts: Mapping[str, Any], catalog_version: str | None = None
) -> dict[Attribute, str]:
    """The fields a store cannot publish, each with the reason's code. `catalog_version`: a Wix
    site's catalog (`V1_CATALOG`, `V3_CATALOG`), None when not known yet."""
    if platform == "woocommerce" and site_facts.get("seo_plugin") not in WOOCOMMERCE_SEO_PLUGINS:
        return dict.fromkeys(SEO_ATTRIBUTES, NO_SEO_PLUGIN)
    if platform == "wix" and catalog_version == "V1_CATALOG":
        return {Attribute.IMAGE_ALT: WIX_CATALOG_V1}
    return {}


def refusal_message(blocked: Mapping[Attribute, str]) -> str:
    """Why these fields (from `unpublishable`) cannot be published, for the owner."""
    if WIX_CATALOG_V1 in blocked.values():
        return (
            "Image alt text cannot be published on this Wix site: its store runs Wix's older catalog (V1), "
            "which offers apps no way to write alt text."
        )
    return (
        f"{' and '.join(a.label for a in blocked)} cannot be published on this WordPress site: it has no SEO "
        "plugin the app writes to (Yoast SEO or Rank Math). Install one, then connect the site again."
    )
