"""Amounts are integer cents everywhere; this is how a person reads them."""

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

from portal import languages


def format_cents(cents: int) -> str:
    """US dollars in the reader's language's conventions ("$1,250.00" in English and in
    the department's Spanish, es_US)."""
    return _formatted(cents, languages.formatting_locale())


@lru_cache(maxsize=4096)
def _formatted(cents: int, locale: str) -> str:
    # Babel takes about 50 µs an amount (issue 17), and a city's fees are a few amounts
    # shown again and again: each is formatted once per process and locale.
    return format_currency(Decimal(cents) / 100, "USD", locale=locale)
