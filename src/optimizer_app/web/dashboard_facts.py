"""What the dashboard is told instead of keeping its own copy: the fields it can improve with their
limits, and the languages new text can be written in."""

from __future__ import annotations

from typing import Any

from ..domain.attributes import Attribute
from ..domain.languages import OFFERED_LANGUAGES


def dashboard_facts() -> dict[str, Any]:
    return {
        "fields": [{"id": a.value, "max_length": a.max_length, "html": a.is_html} for a in Attribute],
        "languages": list(OFFERED_LANGUAGES),
    }
