"""A realistic, deterministic Shopify catalog: 130 products in 6 custom collections.

Products carry what a real shop's do: vendor, product type, tags, a price, HTML descriptions
ranging from rich to empty, SEO fields mostly unset (Shopify then falls back to title and
description), a few titles in capitals and a few in other languages.
"""

from __future__ import annotations

import random
from typing import Any

COLLECTIONS = [
    ("Summer Essentials", "summer-essentials"),
    ("Coffee Corner", "coffee-corner"),
    ("Home Office", "home-office"),
    ("Outdoor Adventures", "outdoor-adventures"),
    ("Self Care", "self-care"),
    ("Gifts Under 50", "gifts-under-50"),
]

# (title, key fact, vendor, product type, collections by index)
_ITEMS: list[tuple[str, str, str, str, tuple[int, ...]]] = [
    ("Linen Beach Shirt", "washed European linen", "Coastline", "Shirts", (0,)),
    ("Straw Sun Hat", "hand-woven paper straw", "Coastline", "Hats", (0, 5)),
    ("Polarised Sunglasses", "UV400 polarised lenses", "Peak & Pine", "Eyewear", (0, 3)),
    ("Insulated Cooler Bag", "keeps drinks cold for 24 hours", "Peak & Pine", "Bags", (0, 3)),
    ("Single-Origin Espresso Beans", "Ethiopian Yirgacheffe, 250 g", "Brewly", "Coffee", (1, 5)),
    ("Ceramic Pour-Over Dripper", "hand-glazed stoneware", "Brewly", "Coffee Gear", (1,)),
    ("Gooseneck Kettle", "stainless steel, 1 l, thermometer lid", "Brewly", "Coffee Gear", (1,)),
    ("Burr Coffee Grinder", "40 grind settings, conical steel burrs", "Brewly", "Coffee Gear", (1,)),
    ("Oak Monitor Stand", "solid oak, holds up to 20 kg", "Maison Clay", "Desk", (2,)),
    ("Wool Felt Desk Mat", "Merino wool felt, 80 x 30 cm", "Maison Clay", "Desk", (2, 5)),
    ("Ergonomic Mesh Chair", "adjustable lumbar support", "Sitwell", "Chairs", (2,)),
    ("LED Desk Lamp", "dimmable, 2700-6500 K", "Glow", "Lighting", (2,)),
    ("Trail Running Shoes", "Vibram outsole", "Stride", "Shoes", (3,)),
    ("Ultralight Tent 2P", "1.2 kg, ripstop nylon", "Peak & Pine", "Camping", (3,)),
    ("Merino Base Layer", "200 g/m2 merino wool", "Nordwear", "Base Layers", (3, 0)),
    ("Headlamp 400 Lumens", "USB-C rechargeable", "Peak & Pine", "Camping", (3, 5)),
    ("Lavender Bath Salts", "Dead Sea salt with lavender oil", "Bloom Lab", "Bath", (4, 5)),
    ("Hydrating Face Serum", "hyaluronic acid 2%", "Bloom Lab", "Skincare", (4,)),
    ("Silk Sleep Mask", "22 momme mulberry silk", "Slumber", "Sleep", (4, 5)),
    ("Bamboo Bath Towel Set", "bamboo viscose, 3 pieces", "Slumber", "Bath", (4,)),
    ("Scented Soy Candle", "soy wax, 50 hour burn", "Glow", "Candles", (4, 5)),
    ("Stainless Steel Water Bottle", "double-wall steel, 750 ml", "Brewly", "Bottles", (0, 3, 5)),
]
_SUFFIXES = ["", " - Sand", " - Olive", " - Charcoal", " - Navy", " (Limited Edition)"]
_FOREIGN = {
    0: ("Chemise de plage en lin", "<p>Lin européen lavé, coupe décontractée.</p>"),
    4: ("Espresso-Bohnen aus Äthiopien", "<p>Yirgacheffe, 250 g, hell geröstet.</p>"),
}


def _description(rng: random.Random, title: str, fact: str, vendor: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return ""
    if style == 1:
        return f"<p>{title}.</p>"
    if style == 2:
        return f"<p>{title} by {vendor}. Made from {fact}.</p><ul><li>{fact}</li><li>Ships in 2 days</li></ul>"
    if style == 3:
        return f"<div><span style='font-weight:bold'>{title.upper()}</span><br><br>{fact}!!!</div>"
    return f"<p>Our best-selling {title.lower()}: {fact}. Loved by customers of {vendor}.</p>"


def build_catalog(shop: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(collections, products) for a shop; the same shop always gets the same catalog."""
    rng = random.Random(f"shopify:{shop}")
    collections: list[dict[str, Any]] = [
        {"id": 400000000 + i, "title": title, "handle": handle, "product_ids": []}
        for i, (title, handle) in enumerate(COLLECTIONS, start=1)
    ]
    products: list[dict[str, Any]] = []
    number = 0
    for suffix in _SUFFIXES:
        for index, (title, fact, vendor, kind, in_collections) in enumerate(_ITEMS):
            number += 1
            if len(products) >= 130:
                break
            name = title + suffix
            description = _description(rng, name, fact, vendor)
            if not suffix and index in _FOREIGN:
                name, description = _FOREIGN[index]
            if rng.random() < 0.08:
                name = name.upper()
            products.append(_product(rng, number, name, description, vendor, kind))
            for c in in_collections:
                collections[c]["product_ids"].append(products[-1]["id"])
    return collections, products


def _product(rng: random.Random, number: int, name: str, description: str, vendor: str, kind: str) -> dict[str, Any]:
    pid = 8000000000 + number
    seo_title = f"{name} | {vendor}" if rng.random() < 0.25 else None
    return {
        "id": pid,
        "title": name,
        "handle": name.lower().replace(" ", "-").replace("(", "").replace(")", "")
        + ("" if number <= 130 else f"-{number}"),
        "descriptionHtml": description,
        "vendor": vendor,
        "productType": kind,
        "tags": sorted({kind.lower(), vendor.lower().replace(" ", "-"), rng.choice(["new", "sale", "bestseller"])}),
        "seo": {"title": seo_title, "description": None},
        "price": f"{rng.randrange(9, 240)}.{rng.choice(['00', '50', '95', '99'])}",
        "image": f"https://cdn.shopify.com/s/files/1/0000/0001/products/{pid}.jpg",
        "createdAt": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T10:00:00Z",
        "updatedAt": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}T10:00:00Z",
    }


def more_products(shop: str, first: int, count: int) -> list[tuple[dict[str, Any], tuple[int, ...]]]:
    """`count` more products for a shop, numbered from `first`, each with the indexes of the
    collections it belongs to: a larger catalog of the same kind (the same shop and numbers always
    give the same products)."""
    rng = random.Random(f"shopify:{shop}:{first}")
    made = []
    for number in range(first, first + count):
        title, fact, vendor, kind, in_collections = _ITEMS[number % len(_ITEMS)]
        name = f"{title} No. {number}"
        made.append((_product(rng, number, name, _description(rng, name, fact, vendor), vendor, kind), in_collections))
    return made
