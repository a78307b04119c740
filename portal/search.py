"""Free-text conditions that an index can answer, for the global search and the queues.

Every condition here is a prefix match written as a btree range (column >= text AND
column < text + U+FFFF): SQLite and PostgreSQL both answer it from the column's index,
where LIKE 'x%' needs a special index or pragma and ILIKE or '%x%' always scans. The range
also takes % and _ literally. Case-insensitivity comes from normalised key columns
(portal/search_keys.py), not from lower() at query time, which no plain index serves.
The key columns compare in byte order on every backend (search_key_type); the record
number and email ranges rely on the database's collation being byte order too (C or
C.UTF-8, as the portal's PostgreSQL databases are created).
"""

from sqlalchemy import ColumnElement, and_, false, or_

from portal.auth.models import User
from portal.permits.models import Permit
from portal.search_keys import DIRECTIONS, Street, address_key, name_key, normalise, street

__all__ = [
    "address_key",
    "address_matches",
    "same_street",
    "name_key",
    "normalise",
    "number_prefixes",
    "permit_matches",
    "person_matches",
    "prefix",
]

# Past any character a normalised key or a record number can hold.
_AFTER_PREFIX = "\uffff"


def prefix(column, text: str) -> ColumnElement[bool]:
    """Rows whose column starts with text, as an index range."""
    return and_(column >= text, column < text + _AFTER_PREFIX)


def number_prefixes(column, text: str) -> ColumnElement[bool]:
    """A record number typed in any case: numbers are stored as issued, in capitals."""
    typed = text.strip()
    if not typed:
        return false()
    if typed == typed.upper():
        return prefix(column, typed)
    return or_(prefix(column, typed.upper()), prefix(column, typed))


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
