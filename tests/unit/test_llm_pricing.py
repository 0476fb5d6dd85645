from __future__ import annotations

from decimal import Decimal

import pytest

from optimizer_app.llm.pricing import DEFAULT_PRICES, Price, parse_prices, price_of


def test_llm_prices_add_and_override_models_over_the_built_in_table() -> None:
    prices = parse_prices("gemma-3-1b=0/0, gpt-4o-mini=0.075/0.30")
    assert prices["gemma-3-1b"] == Price(Decimal(0), Decimal(0))
    assert prices["gpt-4o-mini"] == Price(Decimal("0.075"), Decimal("0.30"))
    assert prices["gpt-4o"] == DEFAULT_PRICES["gpt-4o"]


@pytest.mark.parametrize("text", ["gpt-4o-mini", "=1/2", "m=1", "m=a/b", "m=-1/2", "m=NaN/1"])
def test_an_entry_that_does_not_read_names_itself(text: str) -> None:
    with pytest.raises(ValueError, match="LLM_PRICES entry"):
        parse_prices(text)


def test_a_dated_model_name_takes_the_price_of_the_longest_listed_name_it_starts_with() -> None:
    assert price_of("gpt-4o-mini-2024-07-18", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o-mini"]
    assert price_of("gpt-4o-2024-08-06", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o"]
    assert price_of("gemma-3-1b-it", DEFAULT_PRICES).cost(1000, 1000) == 0


def test_cost_is_per_million_tokens() -> None:
    assert Price(Decimal("0.15"), Decimal("0.60")).cost(1_000_000, 500_000) == Decimal("0.45")
