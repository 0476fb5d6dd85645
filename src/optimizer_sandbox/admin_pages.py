"""The sandbox admin pages (templates/), from one template environment, so that every page can import
the macros they share (templates/_add_product.html)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def render_admin_page(template: str, /, **context: object) -> str:
    """templates/`template` rendered with `context`, HTML-escaped."""
    return _TEMPLATES.get_template(template).render(**context)
