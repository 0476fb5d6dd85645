"""A store's settings: what the owner saved, over its platform's defaults, over everyone's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A free-text "brand_voice" lived here until brand voices were saved on their own (migration 020
# made each store's text its default voice); settings saved before then no longer carry it.
DEFAULT_SETTINGS: dict[str, Any] = {
    "default_language": "en",
    "default_attributes": ["title", "description", "seo_title", "seo_description"],
}
# Salla stores are Arabic first (its Merchant API answers in Arabic unless asked otherwise): new
# text, and the dashboard, default to Arabic there until the owner chooses another language.
PLATFORM_SETTINGS: dict[str, dict[str, Any]] = {"salla": {"default_language": "ar"}}


def effective_settings(platform: str, saved: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a store of `platform` works with, given what its owner saved."""
    return {**DEFAULT_SETTINGS, **PLATFORM_SETTINGS.get(platform, {}), **saved}
