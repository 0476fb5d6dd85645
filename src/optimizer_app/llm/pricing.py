"""What LLM tokens cost, per model, in US dollars per million tokens (prompt / completion).

The built-in table holds OpenAI's standard-tier list prices (https://openai.com/api/pricing/,
2026-12); `LLM_PRICES` adds or overrides models (`name=prompt/completion`, comma-separated). A
model found in neither (a self-hosted server's) costs nothing: its tokens are still counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Price:
    prompt: Decimal  # US dollars per million prompt tokens
    completion: Decimal  # US dollars per million completion tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return (self.prompt * prompt_tokens + self.completion * completion_tokens) / _MILLION


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": Price(Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1": Price(Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": Price(Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": Price(Decimal("0.10"), Decimal("0.40")),
}
_FREE = Price(Decimal(0), Decimal(0))


def parse_prices(text: str) -> dict[str, Price]:
    """The built-in table with `LLM_PRICES` ("my-model=0.2/0.8,gpt-4o=2.5/10") over it; raises
    ValueError naming the entry that does not read."""
    prices = dict(DEFAULT_PRICES)
    for entry in filter(None, (e.strip() for e in text.split(","))):
        model, _, amounts = entry.partition("=")
        prompt, _, completion = amounts.partition("/")
        try:
            price = Price(Decimal(prompt.strip()), Decimal(completion.strip()))
        except InvalidOperation:
            price = None
        if not model.strip() or price is None or not _amount(price.prompt) or not _amount(price.completion):
            raise ValueError(
                f"LLM_PRICES entry {entry!r} is not <model>=<dollars per million prompt tokens>/<per million"
                " completion tokens>"
            )
        prices[model.strip()] = price
    return prices


def _amount(value: Decimal) -> bool:
    return value.is_finite() and value >= 0


def price_of(model: str, prices: Mapping[str, Price]) -> Price:
    """The price of `model`, or of the longest listed name it starts with (servers answer with a
    dated name: "gpt-4o-mini-2024-07-18" is priced as gpt-4o-mini); free when none matches."""
    if model in prices:
        return prices[model]
    listed = [name for name in prices if model.startswith(f"{name}-")]
    return prices[max(listed, key=len)] if listed else _FREE
