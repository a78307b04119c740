"""Amounts are integer cents everywhere; this is how a person reads them."""


def format_cents(cents: int) -> str:
    return f"${cents / 100:,.2f}"
