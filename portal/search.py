"""Free-text conditions that an index can answer, for the global search and the queues.

Every condition here is a prefix match written as a btree range (column >= text AND
column < text + U+FFFF): SQLite and PostgreSQL both answer it from the column's index,
where LIKE 'x%' needs a special index or pragma and ILIKE or '%x%' always scans. The range
also takes % and _ literally. Case-insensitivity comes from normalised key columns
(portal/search_keys.py), not from lower() at query time, which no plain index serves.
The key columns compare in byte order on every backend (search_key_type); the record
number and email ranges rely on the database's collation being byte order too (C or
C.UTF-8, as the portal's PostgreSQL databases are created).

The staff search also finds text anywhere in an address, a permit number, a name or an
email address (text_search_ids), with the databases' own text search
(portal/search_index.py): pg_trgm's GIN indexes on PostgreSQL; on SQLite, FTS5 tables of
the address's words and of the number's suffixes (a token or a token's start, so a lookup
reads one list up to the rows shown), and a trigram table for names and email addresses.
"""

import re

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    column,
    false,
    or_,
    select,
    table,
)
from sqlalchemy import text as sql_text

from portal import search_index
from portal.auth.models import User
from portal.extensions import db
from portal.permits.models import Permit
from portal.search_keys import (
    DIRECTIONS,
    Street,
    address_key,
    name_key,
    normalise,
    search_words,
    street,
)

__all__ = [
    "address_key",
    "address_matches",
    "bound_prefix",
    "same_street",
    "name_key",
    "normalise",
    "number_prefixes",
    "number_spellings",
    "permit_matches",
    "person_matches",
    "prefix",
    "prefix_values",
    "text_search_ids",
]

# Past any character a normalised key or a record number can hold.
_AFTER_PREFIX = "\uffff"


def prefix(column, text: str) -> ColumnElement[bool]:
    """Rows whose column starts with text, as an index range."""
    return and_(column >= text, column < text + _AFTER_PREFIX)


def bound_prefix(column, name: str) -> ColumnElement[bool]:
    """prefix() with bound parameters, for a statement built once and run with
    prefix_values(name, text): SQLAlchemy builds a statement in about 0.1 ms, and the
    staff search runs six of them (issue 17)."""
    return and_(column >= bindparam(name), column < bindparam(f"{name}_end"))


def prefix_values(name: str, text: str) -> dict[str, str]:
    return {name: text, f"{name}_end": text + _AFTER_PREFIX}


def number_spellings(text: str) -> list[str]:
    """The prefixes number_prefixes() looks up: as typed and in capitals, once if the same."""
    typed = text.strip()
    if not typed:
        return []
    return [typed] if typed == typed.upper() else [typed.upper(), typed]


def number_prefixes(column, text: str) -> ColumnElement[bool]:
    """A record number typed in any case: numbers are stored as issued, in capitals."""
    spellings = number_spellings(text)
    if not spellings:
        return false()
    return or_(*(prefix(column, spelling) for spelling in spellings))


def permit_matches(text: str) -> ColumnElement[bool]:
    """Permits whose number or first address line starts with text."""
    key = normalise(text)
    by_address = prefix(Permit.address_key, key) if key else false()
    return or_(number_prefixes(Permit.permit_num, text), by_address)


def person_matches(text: str) -> ColumnElement[bool]:
    """Accounts whose name or email address starts with text."""
    key = normalise(text)
    email = text.strip().lower()
    by_name = prefix(User.name_key, key) if key else false()
    by_email = prefix(User.email, email) if email else false()
    return or_(by_name, by_email)


def address_matches(typed: Street) -> ColumnElement[bool]:
    """Permits at a typed house number and street, however the direction is spelt or left out.

    One index range per spelling the first address line can start with ("1456 n milwaukee",
    "1456 north milwaukee", "1456 milwaukee"); the suffix is left to same_street(), since
    it follows the name and a prefix cannot skip it.
    """
    if typed.direction:
        spellings = [word for word, short in DIRECTIONS.items() if short == typed.direction]
    else:
        spellings = [*DIRECTIONS, ""]
    starts = {
        " ".join(part for part in (typed.number, word, typed.name) if part) for word in spellings
    }
    return or_(*(prefix(Permit.address_key, start) for start in sorted(starts)))


def same_street(typed: Street, address1: str) -> bool:
    """Whether a stored first address line is the typed one: the name as typed (or begun,
    when no suffix was typed), and the direction and suffix where the person gave them."""
    stored = street(address1)
    if stored is None or stored.number != typed.number:
        return False
    if typed.direction and stored.direction != typed.direction:
        return False
    if typed.suffix:
        return stored.name == typed.name and stored.suffix in ("", typed.suffix)
    return stored.name.startswith(typed.name)


# ---- text search ----------------------------------------------------------------------------

# The trigram search needs three characters to look anything up.
MIN_TEXT = 3


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_string(text: str) -> str:
    """An FTS5 string: in double quotes, a quote doubled; the trigram tokenizer then matches
    it as a substring, spaces and punctuation included."""
    return '"' + text.replace('"', '""') + '"'


def _word_patterns(typed: str) -> list[str]:
    """What each typed word must be in permits.search_text: a whole word (" 1456 "), and the
    last one the start of a word (" milw"), unless it is one character, which the trigram
    search cannot look up alone (" n " is three)."""
    words = search_words(typed)
    if not words:
        return []
    *whole, last = words
    patterns = [f" {word} " for word in whole]
    patterns.append(f" {last} " if len(last) == 1 else f" {last}")
    return patterns


def _number_fragment(typed: str) -> str:
    """A typed piece of a permit number: one word with a digit, three characters or more."""
    fragment = typed.strip()
    if len(fragment) < MIN_TEXT or " " in fragment or not any(c.isdigit() for c in fragment):
        return ""
    return fragment


def text_search_ids(
    kind: str, typed: str, limit: int, *, in_numbers: bool = True
) -> Select | CompoundSelect | None:
    """Up to ``limit`` ids of permits (kind "permits") or accounts ("people") that hold the
    typed text anywhere, in no particular order, or None when there is nothing to look up.

    Permits: every typed word among the address's words (directions, suffixes and unit words
    spelt either way), or the text inside the permit number. People: the text inside the
    name or the email address, in any case. Unordered so the database stops at ``limit``
    rows however many match ("Halsted" alone matches a twelfth of the permits); the caller
    puts exact and prefix matches first. ``in_numbers=False`` leaves the permit number out:
    the caller passes it when the text already starts some numbers, since the start all
    numbers share ("BP-2026-") is in every row and would read the whole index for nothing.
    """
    if kind == "permits":
        patterns = _word_patterns(typed)
        fragment = _number_fragment(typed) if in_numbers else ""
        if not patterns and not fragment:
            return None
        if db.session.get_bind().dialect.name == "sqlite":
            return _sqlite_permit_ids(patterns, fragment, limit)
        conditions: list[ColumnElement[bool]] = []
        if fragment:
            conditions.append(Permit.permit_num.ilike(f"%{_like_escaped(fragment)}%", escape="\\"))
        if patterns:
            conditions.append(
                and_(*(Permit.search_text.like(f"%{pattern}%") for pattern in patterns))
            )
        return select(Permit.id).where(or_(*conditions)).limit(limit)
    name, email = normalise(typed), typed.strip().lower()
    if len(name) < MIN_TEXT and len(email) < MIN_TEXT:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        parts = [
            f"{field} : {_fts_string(value)}"
            for field, value in (("name", name), ("email", email))
            if len(value) >= MIN_TEXT
        ]
        people = table(search_index.PERSON_FTS, column("rowid"))
        return (
            select(people.c.rowid)
            .where(
                sql_text(f"{search_index.PERSON_FTS} MATCH :people_match").bindparams(
                    people_match=" OR ".join(parts)
                )
            )
            .limit(limit)
        )
    conditions = [
        key.ilike(f"%{_like_escaped(value)}%", escape="\\")
        for key, value in ((User.name_key, name), (User.email, email))
        if len(value) >= MIN_TEXT
    ]
    return select(User.id).where(or_(*conditions)).limit(limit)


# ---- SQLite: the permits' FTS5 tables (portal/search_index.py) ------------------------------

# Words looked up in the index; the others are checked on the rows it finds. Every word
# looked up costs a seek per candidate row in its list, and a long printed address has words
# that every row holds ("chicago", "il"): its house number and street find a handful.
# 8 words through the index: 10 ms at a million permits; 2 and LIKE on the rest: 0.5-1.
INDEXED_WORDS = 2
# What the number index's tokens are made of (search_index.NUMBER_TOKENIZER's characters).
_NUMBER_PIECE = re.compile(r"[0-9a-z#&+\-./_]+")


def _indexed_first(pattern: str) -> tuple[bool, bool]:
    """Sort key: words with a digit (a house number, a ZIP) first, then words of three
    characters or more, each in the order typed (a street's name before its city). One or
    two letters (a direction, a suffix, a state) are in a large share of the rows: looked
    up only when nothing else was typed."""
    word = pattern.strip()
    return (any(char.isdigit() for char in word), len(word) >= 3)


def _sqlite_word_ids(patterns: list[str], limit: int) -> Select:
    """Permits whose words hold every pattern (_word_patterns): the likeliest-rare
    INDEXED_WORDS through permit_words' tokens, the rest by LIKE on those rows' words.
    (sorted() keeps the typed order among equals.)"""
    ranked = sorted(patterns, key=_indexed_first, reverse=True)
    indexed = [word for word in ranked[:INDEXED_WORDS] if any(_indexed_first(word))] or ranked[:1]
    rows = table(search_index.PERMIT_WORDS, column("rowid"), column("words"))
    terms, checks = [], []
    for pattern in patterns:
        word = pattern.strip()
        whole = pattern.endswith(" ")
        if pattern not in indexed:
            checks.append(rows.c.words.like(f"%{_like_escaped(pattern)}%", escape="\\"))
        elif whole:
            terms.append(_fts_string(word))
        else:
            # A prefix index answers up to WORD_PREFIX_MAX characters; a longer start is
            # looked up by its first ones and checked whole.
            terms.append(_fts_string(word[: search_index.WORD_PREFIX_MAX]) + "*")
            if len(word) > search_index.WORD_PREFIX_MAX:
                checks.append(rows.c.words.like(f"%{_like_escaped(pattern)}%", escape="\\"))
    match = sql_text(f"{search_index.PERMIT_WORDS} MATCH :words_match").bindparams(
        words_match=" AND ".join(terms)
    )
    return select(rows.c.rowid).where(match, *checks).limit(limit)


def _sqlite_number_ids(fragment: str, limit: int) -> Select:
    """Permits whose number holds the fragment. permit_numbers' tokens are the number's
    suffixes, so a fragment of token characters is the start of one: exact, up to
    NUMBER_PREFIX_MAX characters. Otherwise its longest piece narrows the numbers down and
    each is checked whole; without a piece of three characters the numbers are read one by
    one."""
    numbers = table(search_index.PERMIT_NUMBERS, column("rowid"))
    typed = fragment.lower()
    piece = max(_NUMBER_PIECE.findall(typed), key=len, default="")
    match = sql_text(f"{search_index.PERMIT_NUMBERS} MATCH :number_match").bindparams(
        number_match=_fts_string(piece[: search_index.NUMBER_PREFIX_MAX]) + "*"
    )
    if piece == typed and len(piece) <= search_index.NUMBER_PREFIX_MAX:
        return select(numbers.c.rowid).where(match).limit(limit)
    whole = Permit.permit_num.like(f"%{_like_escaped(fragment)}%", escape="\\")
    if len(piece) < search_index.NUMBER_PREFIX_MIN:
        return select(Permit.id).where(whole).limit(limit)
    return (
        select(Permit.id)
        .join(numbers, numbers.c.rowid == Permit.id)
        .where(match, whole)
        .limit(limit)
    )


def _sqlite_permit_ids(patterns: list[str], fragment: str, limit: int) -> Select | CompoundSelect:
    """Each index read on its own up to ``limit`` rows, then both lists: the caller takes
    the first ``limit`` ids, which are the first of either."""
    lookups = []
    if patterns:
        lookups.append(_sqlite_word_ids(patterns, limit))
    if fragment:
        lookups.append(_sqlite_number_ids(fragment, limit))
    if len(lookups) == 1:
        return lookups[0]
    words, numbers = (lookup.subquery() for lookup in lookups)
    return select(*words.c).union_all(select(*numbers.c))
