"""Amounts are integer cents everywhere; this is how a person reads them."""

from decimal import Decimal

from babel.numbers import format_currency

from portal import languages


def format_cents(cents: int) -> str:
    """US dollars in the reader's language's conventions ("$1,250.00" in English and in
    the department's Spanish, es_US)."""
    return format_currency(Decimal(cents) / 100, "USD", locale=languages.formatting_locale())
