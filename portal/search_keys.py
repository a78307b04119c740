"""Normalised copies of the text people search by, kept in indexed columns.

An index answers a prefix search only when the stored text and the typed text are spelt
the same way, so both go through normalise(): "1234 N. Main St" and "1234 n main st"
give the same key. This module imports no models, so the models can use it for their
column defaults.
"""

import re
import unicodedata

from sqlalchemy import String

KEY_LENGTH = 200

# Kept because addresses need them: unit numbers (#2), fractions (1/2), ranges (12-14).
_KEPT = "#/&-"
# Dropped without a space, so "N." is "n" and "O'Brien" is "obrien".
_DROPPED = ".'\u2019"
_OTHER = re.compile(rf"[^a-z0-9\s{re.escape(_KEPT)}]")
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """Lowercase ASCII, without accents or punctuation, single spaces, trimmed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in folded if not unicodedata.combining(char)).lower()
    folded = folded.translate({ord(char): None for char in _DROPPED})
    folded = _OTHER.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()[:KEY_LENGTH]


def address_key(address1: str | None) -> str:
    return normalise(address1)


def name_key(name: str | None) -> str:
    return normalise(name)


def from_parameter(name: str, key_function):
    """A column default computed from another value of the same INSERT.

    Works for ORM inserts, factories and Core executemany alike (the importer's bulk
    insert), because SQLAlchemy calls it once per row with that row's parameters.
    """

    def default(context) -> str:
        return key_function(context.get_current_parameters().get(name))

    return default


def search_key_type(length: int) -> String:
    """Byte order on PostgreSQL whatever the database's collation, so prefix ranges hold."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")
