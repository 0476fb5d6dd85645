"""A realistic, deterministic Wix Stores catalog: about 200 products in 8 categories (and a hidden one).

Descriptions vary the way real shops do: rich HTML, one-liners, shouting titles, messy markup,
empty ones; most products lack SEO tags; a few are in French, German, Spanish or Arabic.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from typing import Any

CATEGORIES = [
    ("apparel", "Apparel"),
    ("home", "Home & Living"),
    ("kitchen", "Kitchen"),
    ("beauty", "Beauty"),
    ("outdoor", "Outdoor"),
    ("tech", "Tech Accessories"),
    ("toys", "Toys & Games"),
    ("jewelry", "Jewelry"),
]

_ITEMS: dict[str, list[tuple[str, str, str]]] = {
    # (name, material or key fact, brand)
    "apparel": [
        ("Organic Cotton T-Shirt", "100% organic cotton", "Nordwear"),
        ("Merino Wool Sweater", "merino wool", "Nordwear"),
        ("Linen Summer Shirt", "washed linen", "Coastline"),
        ("Slim Fit Chinos", "stretch cotton twill", "Coastline"),
        ("Rain Jacket", "recycled polyester shell", "Peak & Pine"),
        ("Cashmere Scarf", "pure cashmere", "Nordwear"),
        ("Denim Jacket", "12 oz selvedge denim", "Coastline"),
        ("Running Socks 3-Pack", "cushioned sole", "Stride"),
    ],
    "home": [
        ("Ceramic Table Lamp", "hand-glazed ceramic base", "Maison Clay"),
        ("Linen Duvet Cover", "stone-washed linen", "Slumber"),
        ("Wool Throw Blanket", "recycled wool", "Slumber"),
        ("Scented Soy Candle", "soy wax, 50 hour burn", "Glow"),
        ("Bamboo Bath Towel Set", "bamboo viscose", "Slumber"),
        ("Wall Clock", "oak frame", "Maison Clay"),
        ("Velvet Cushion Cover", "cotton velvet", "Glow"),
    ],
    "kitchen": [
        ("Cast Iron Skillet", "pre-seasoned cast iron, 26 cm", "Hearth"),
        ("Chef Knife", "German stainless steel, 20 cm blade", "Hearth"),
        ("Pour-Over Coffee Set", "borosilicate glass", "Brewly"),
        ("Bamboo Cutting Board", "bamboo", "Hearth"),
        ("Stainless Steel Water Bottle", "double-wall steel, 750 ml", "Brewly"),
        ("Espresso Cups Set of 4", "porcelain", "Brewly"),
        ("Silicone Baking Mat", "food-grade silicone", "Hearth"),
    ],
    "beauty": [
        ("Hydrating Face Serum", "hyaluronic acid", "Bloom Lab"),
        ("Shea Butter Hand Cream", "shea butter", "Bloom Lab"),
        ("Natural Bristle Hair Brush", "boar bristle", "Bloom Lab"),
        ("Lavender Bath Salts", "Dead Sea salt", "Glow"),
        ("Vitamin C Cleanser", "vitamin C", "Bloom Lab"),
        ("Bamboo Toothbrush 4-Pack", "bamboo handle", "Bloom Lab"),
    ],
    "outdoor": [
        ("Ultralight Tent 2P", "1.4 kg, ripstop nylon", "Peak & Pine"),
        ("Down Sleeping Bag", "650 fill down", "Peak & Pine"),
        ("Trekking Poles", "carbon fibre", "Stride"),
        ("Insulated Camping Mug", "stainless steel", "Peak & Pine"),
        ("Hiking Backpack 30L", "water-resistant nylon", "Stride"),
        ("Headlamp", "300 lumen, USB-C", "Peak & Pine"),
    ],
    "tech": [
        ("Wireless Charging Pad", "15 W Qi charging", "Voltix"),
        ("USB-C Cable 2m", "braided nylon", "Voltix"),
        ("Laptop Sleeve 14 inch", "wool felt", "Voltix"),
        ("Bluetooth Earbuds", "24 hour battery", "Voltix"),
        ("Phone Stand", "aluminium", "Voltix"),
        ("Mechanical Keyboard", "hot-swappable switches", "Keyforge"),
    ],
    "toys": [
        ("Wooden Building Blocks", "beech wood, 50 pieces", "Little Oak"),
        ("Plush Bear", "organic cotton plush", "Little Oak"),
        ("Puzzle 1000 Pieces", "recycled cardboard", "Brainy"),
        ("Kids Watercolor Set", "non-toxic paints", "Brainy"),
        ("Wooden Train Set", "beech wood", "Little Oak"),
    ],
    "jewelry": [
        ("Sterling Silver Hoop Earrings", "925 sterling silver", "Lune"),
        ("Gold Plated Necklace", "18k gold plating", "Lune"),
        ("Pearl Stud Earrings", "freshwater pearls", "Lune"),
        ("Leather Bracelet", "full-grain leather", "Lune"),
        ("Signet Ring", "sterling silver", "Lune"),
    ],
}

_VARIANTS = ["", "Classic", "Essential", "Premium", "Mini", "XL", "Limited Edition", "Everyday"]

# A few products written in other languages, as shops in other markets have them.
_FOREIGN = [
    ("fr", "Chemise en lin lavé", "<p>Chemise légère en lin lavé, coupe droite.</p>", "apparel"),
    ("fr", "Bougie parfumée à la lavande", "<p>Bougie en cire de soja. Parfum lavande.</p>", "home"),
    ("de", "Gusseisenpfanne 28 cm", "<p>Vorgewürzte Pfanne aus Gusseisen.</p>", "kitchen"),
    ("de", "Wanderrucksack 40L", "", "outdoor"),
    ("es", "Taza de cerámica artesanal", "<p>Taza hecha a mano. 350 ml.</p>", "kitchen"),
    ("es", "Pulsera de cuero", "<p>pulsera de cuero genuino</p>", "jewelry"),
    ("ar", "قميص قطني عضوي", "<p>قميص مريح من القطن العضوي.</p>", "apparel"),
    ("ar", "كريم اليدين بزبدة الشيا", "<p>كريم مرطب لليدين.</p>", "beauty"),
]


def _description(rng: random.Random, name: str, fact: str, brand: str) -> str:
    style = rng.choice(["rich", "rich", "oneliner", "oneliner", "empty", "messy", "shouting", "plain"])
    if style == "rich":
        return (
            f"<p>The {name} from {brand} is made with {fact}.</p>"
            f"<ul><li>Made with {fact}</li><li>Designed by {brand}</li></ul>"
        )
    if style == "oneliner":
        return f"<p>{name.lower()} - {fact}</p>"
    if style == "empty":
        return ""
    if style == "messy":
        return f'<div><span style="color:red"><b>{name}</b></span><br><br>{fact}<br/>&nbsp;&nbsp;</div>'
    if style == "shouting":
        return f"<p>BEST {name.upper()}!!! {fact.upper()}!!! BUY NOW</p>"
    return f"{name}. {fact}."


def _seo_tags(rng: random.Random, name: str, brand: str) -> list[dict[str, Any]]:
    if rng.random() > 0.25:
        return []
    return [
        {"type": "title", "children": f"{name} | {brand}", "custom": True, "disabled": False},
        {"type": "meta", "props": {"name": "description", "content": f"Buy {name} online."}, "custom": True},
    ]


def category_id(slug: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"wix-sandbox-category:{slug}"))


def build_catalog(seed: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(categories, products) in Wix Catalog V3 shapes. The same seed gives the same catalog."""
    rng = random.Random(seed)
    categories = [
        {
            "id": category_id(slug),
            "name": name,
            "slug": slug,
            "visible": True,
            "treeReference": {"appNamespace": "@wix/stores", "treeKey": None},
            "itemCounter": 0,
        }
        for slug, name in CATEGORIES
    ]
    # A category the owner hid from the storefront: Query Categories leaves it out unless asked.
    categories.append({**categories[-1], "id": category_id("archive"), "name": "Archive", "slug": "archive"})
    categories[-1]["visible"] = False
    products: list[dict[str, Any]] = []
    counter = 0
    for variant in _VARIANTS:
        for slug, items in _ITEMS.items():
            for name, fact, brand in items:
                if len(products) >= 192:
                    break
                full = f"{variant} {name}".strip()
                if rng.random() < 0.15:
                    full = full.upper() + "!!!"
                elif rng.random() < 0.1:
                    full = full.lower()
                counter += 1
                products.append(
                    _product(seed, counter, full, _description(rng, name, fact, brand), slug, brand, fact, rng)
                )
    for lang, name, description, slug in _FOREIGN:
        counter += 1
        product = _product(seed, counter, name, description, slug, "", "", rng)
        product["extendedFields"] = {"namespaces": {"sandbox": {"language": lang}}}
        products.append(product)
    counts = Counter(ref["id"] for p in products for ref in p["directCategoriesInfo"]["categories"])
    for category in categories:
        category["itemCounter"] = counts[category["id"]]
    return categories, products


def _product(
    seed: str, n: int, name: str, description: str, slug: str, brand: str, fact: str, rng: random.Random
) -> dict[str, Any]:
    cid = category_id(slug)
    price = round(rng.uniform(8, 240), 2)
    created = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T10:{n % 60:02d}:00.000Z"
    pid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wix-sandbox-product:{seed}:{n}"))
    return {
        "id": pid,
        "revision": "1",
        "createdDate": created,
        "updatedDate": created,
        "name": name,
        "slug": f"{slug}-{n}",
        "visible": True,
        "plainDescription": description,
        "brand": {"name": brand} if brand else None,
        "ribbon": {"name": "Sale"} if n % 17 == 0 else None,
        "seoData": {"tags": _seo_tags(rng, name, brand), "settings": {"preventAutoRedirect": False, "keywords": []}},
        "media": {"main": {"image": {"url": f"https://static.wixstatic.com/media/sandbox_{n}.jpg"}}},
        "directCategoriesInfo": {"categories": [{"id": cid, "index": n}]},
        "allCategoriesInfo": {"categories": [{"id": cid, "index": n}]},
        "actualPriceRange": {
            "minValue": {"amount": f"{price:.2f}", "formattedAmount": f"${price:.2f}"},
            "maxValue": {"amount": f"{price:.2f}", "formattedAmount": f"${price:.2f}"},
        },
        "infoSections": [{"title": "Material", "plainDescription": fact}] if fact else [],
    }


def more_products(seed: str, first: int, count: int) -> list[dict[str, Any]]:
    """`count` more products numbered from `first`: a larger catalog of the same kind (the same
    seed and numbers always give the same products)."""
    rng = random.Random(f"{seed}:{first}")
    items = [(slug, item) for slug, group in _ITEMS.items() for item in group]
    made = []
    for n in range(first, first + count):
        slug, (name, fact, brand) = items[n % len(items)]
        full = f"{name} No. {n}"
        made.append(_product(seed, n, full, _description(rng, name, fact, brand), slug, brand, fact, rng))
    return made
