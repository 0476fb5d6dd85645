"""The unit words of the fact gate are CLDR's, as Babel ships them: this test builds them again and
compares. `python -m tests.unit.test_fact_units` writes src/optimizer_app/llm/vocabulary/units.json
after the unit list below or Babel's CLDR changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babel import Locale, __version__
from babel.units import get_unit_name

from optimizer_app.llm.facts import LANGUAGES

UNITS_FILE = Path(__file__).resolve().parents[2] / "src" / "optimizer_app" / "llm" / "vocabulary" / "units.json"

# The quantities product copy states: weight, size, volume, area, time, temperature, storage,
# power and light. Percent is not a CLDR unit in every locale: facts.json lists its words by hand.
UNIT_IDS = (
    "mass-milligram", "mass-gram", "mass-kilogram", "mass-ounce", "mass-pound", "mass-carat",
    "length-micrometer", "length-millimeter", "length-centimeter", "length-meter", "length-kilometer",
    "length-inch", "length-foot", "length-yard",
    "volume-milliliter", "volume-centiliter", "volume-liter", "volume-fluid-ounce", "volume-gallon",
    "area-square-centimeter", "area-square-meter",
    "duration-second", "duration-minute", "duration-hour", "duration-day", "duration-week",
    "duration-month", "duration-year",
    "temperature-celsius", "temperature-fahrenheit",
    "digital-megabyte", "digital-gigabyte", "digital-terabyte",
    "power-watt", "power-kilowatt", "energy-kilowatt-hour", "electric-volt", "electric-ampere",
    "electric-milliampere", "frequency-hertz", "frequency-megahertz", "frequency-gigahertz",
    "light-lumen", "graphics-megapixel", "speed-kilometer-per-hour",
)  # fmt: skip

# Unit words that are also everyday words right after a number ("3 in 1", "2 a day"): a quantity
# written with them is read as a bare number.
AMBIGUOUS = frozenset({"in", "a", "an", "m.", "j", "s", "t"})


def cldr_units() -> dict[str, Any]:
    """Every unit's names and abbreviations per language: the long, short and narrow patterns of
    each plural form, without the number."""
    units: dict[str, dict[str, list[str]]] = {}
    for unit in UNIT_IDS:
        per_language: dict[str, list[str]] = {}
        for language in LANGUAGES:
            patterns = Locale.parse(language)._data["unit_patterns"][unit]
            words = {get_unit_name(unit, length="long", locale=language) or ""}
            for length in ("long", "short", "narrow"):
                for form, pattern in patterns.get(length, {}).items():
                    if form != "per":
                        words.add(pattern.replace("{0}", "").strip())
            per_language[language] = sorted(w for w in words if w and w.casefold() not in AMBIGUOUS)
        units[unit] = per_language
    return {
        "source": "Unicode CLDR unit names and patterns (long, short, narrow; every plural form), "
        f"as shipped by Babel {__version__}: https://babel.pocoo.org/en/latest/api/units.html",
        "units": units,
    }


def test_units_json_is_cldr_as_babel_ships_it() -> None:
    stored = json.loads(UNITS_FILE.read_text(encoding="utf-8"))
    built = cldr_units()
    assert stored["units"] == built["units"], "run: python -m tests.unit.test_fact_units"


def test_every_language_names_every_unit() -> None:
    units = json.loads(UNITS_FILE.read_text(encoding="utf-8"))["units"]
    assert set(units) == set(UNIT_IDS)
    assert all(units[u][lang] for u in units for lang in LANGUAGES)
    assert "Kilogramm" in units["mass-kilogram"]["de"] and "كغم" in units["mass-kilogram"]["ar"]


if __name__ == "__main__":
    UNITS_FILE.write_text(json.dumps(cldr_units(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
