"""Normalised copies of the text people search by, kept in indexed columns.

An index answers a prefix search only when the stored text and the typed text are spelt
the same way, so both go through normalise(): "1234 N. Main St" and "1234 n main st"
give the same key. This module imports no models, so the models can use it for their
column defaults.
"""

import re
import unicodedata
from dataclasses import dataclass

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


# ---- street addresses as people type them ---------------------------------------------------

# The spellings of a direction and of a street suffix, each to the form the permit data uses
# (Chicago's: "N", "Ave"), so "North Milwaukee Avenue" and "n milwaukee ave" are one street.
DIRECTIONS = {
    "n": "n",
    "north": "n",
    "s": "s",
    "south": "s",
    "e": "e",
    "east": "e",
    "w": "w",
    "west": "w",
    "ne": "ne",
    "northeast": "ne",
    "nw": "nw",
    "northwest": "nw",
    "se": "se",
    "southeast": "se",
    "sw": "sw",
    "southwest": "sw",
}
SUFFIXES = {
    "ave": "ave",
    "av": "ave",
    "avenue": "ave",
    "st": "st",
    "street": "st",
    "blvd": "blvd",
    "boulevard": "blvd",
    "rd": "rd",
    "road": "rd",
    "dr": "dr",
    "drive": "dr",
    "pl": "pl",
    "place": "pl",
    "ct": "ct",
    "court": "ct",
    "ln": "ln",
    "lane": "ln",
    "pkwy": "pkwy",
    "parkway": "pkwy",
    "ter": "ter",
    "terrace": "ter",
    "hwy": "hwy",
    "highway": "hwy",
    "sq": "sq",
    "square": "sq",
    "way": "way",
    "cir": "cir",
    "circle": "cir",
}
_HOUSE_NUMBER = re.compile(r"^\d[\d/-]*[a-z]?$")


@dataclass(frozen=True)
class Street:
    """A first address line in parts: "1456 N Milwaukee Ave" is 1456, n, milwaukee, ave."""

    number: str
    direction: str
    name: str
    suffix: str


def street(text: str | None) -> Street | None:
    """The parts of a typed or stored address, or None without a house number and a name.

    A direction or suffix word is only taken as one when a street name is left beside it,
    so "1600 W North Ave" keeps North as the name and "100 Avenue O" keeps Avenue.
    """
    words = normalise(text).split()
    if len(words) < 2 or not _HOUSE_NUMBER.match(words[0]):
        return None
    number, rest = words[0], words[1:]
    direction = ""
    if len(rest) > 1 and rest[0] in DIRECTIONS:
        direction, rest = DIRECTIONS[rest[0]], rest[1:]
    suffix = ""
    suffix_at = next((i for i, word in enumerate(rest) if i > 0 and word in SUFFIXES), None)
    if suffix_at is not None:
        # Whatever follows the suffix is a unit ("Apt 2", "#3"), not part of the street.
        suffix, rest = SUFFIXES[rest[suffix_at]], rest[:suffix_at]
    return Street(number, direction, " ".join(rest), suffix)


# ---- words for the text search ---------------------------------------------------------------

# Words that only say a unit follows ("Unit B", "Apt 2", "Suite 300", "#4"): dropped, so the
# unit is found however it was written; the unit's own name or number stays.
UNIT_WORDS = frozenset({"unit", "apt", "apartment", "suite", "ste", "rm", "room", "#"})
SEARCH_TEXT_LENGTH = 500


def search_words(text: str | None) -> list[str]:
    """The words of a typed or stored address, each in one spelling: directions and suffixes
    as the permit data writes them ("north" is "n", "avenue" is "ave"), unit words dropped.

    Word by word, unlike street(): the text search matches words wherever they are, and
    both sides go through this, so "1600 W North Ave" still finds itself.
    """
    words = []
    for word in normalise(text).split():
        word = word.lstrip("#")
        if not word or word in UNIT_WORDS:
            continue
        words.append(DIRECTIONS.get(word) or SUFFIXES.get(word) or word)
    return words


def permit_search_text(
    address1: str | None,
    address2: str | None = "",
    city: str | None = "",
    state: str | None = "",
    zip_code: str | None = "",
) -> str:
    """The whole printed address as search words, with a space at each end so that every
    word, the first and last included, sits between spaces: the search matches " 1456 "
    as a whole word and " milw" as the start of one (portal/search_index.py)."""
    words = search_words(
        " ".join(part or "" for part in (address1, address2, city, state, zip_code))
    )
    return f" {' '.join(words)} "[:SEARCH_TEXT_LENGTH]


def permit_search_default(context) -> str:
    """permits.search_text for a Core INSERT that does not give it, from the row's address."""
    row = context.get_current_parameters()
    return permit_search_text(
        row.get("original_address1"),
        row.get("original_address2"),
        row.get("original_city"),
        row.get("original_state"),
        row.get("original_zip"),
    )
