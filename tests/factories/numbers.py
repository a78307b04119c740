"""The one counter the factories draw from, so no two records of a run share a number."""

import itertools

_numbers = itertools.count(1)


def next_number() -> int:
    return next(_numbers)
