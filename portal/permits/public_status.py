"""The public status lookup: what anyone may learn about a permit without an account.

Only what the city publishes anyway: the permit's number, address, work description and
status, and what the features built on permits register as public panels (portal/panels.py):
the C of O application's status, the required inspections, the certificates. Never the
parties, contacts, documents, fees or access code: the page is built from PublicPermit,
which holds none of them, so a template cannot show them by mistake.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from portal import panels, search
from portal.extensions import db
from portal.permits.models import Permit
from portal.search_keys import street

# An address search shows this many permits at most; a street number has a handful.
MAX_MATCHES = 20
# A typed query is cut to this length before it is searched or shown.
MAX_QUERY = 100


@dataclass(frozen=True)
class PublicPermit:
    number: str
    address: str
    description: str
    status: str


@dataclass(frozen=True)
class PublicPage:
    permit: PublicPermit
    panels: list[panels.Panel]


@dataclass(frozen=True)
class Lookup:
    """What a search found: `kind` is number (one permit) or address (a list, maybe empty)."""

    query: str
    kind: str
    matches: Sequence[PublicPermit] = ()

    @property
    def found(self) -> PublicPermit | None:
        return self.matches[0] if self.kind == "number" and self.matches else None


def _public(permit: Permit) -> PublicPermit:
    return PublicPermit(
        number=permit.permit_num,
        address=permit.address,
        description=permit.description,
        status=permit.status_current.label,
    )


def printable(text: str) -> str:
    """What a person typed, fit to show back on a page: no control characters."""
    return "".join(char for char in text if char.isprintable())


def _by_number(typed: str) -> Permit | None:
    # Numbers are issued in capitals and without spaces: "bp 2026 100001" is BP-2026-100001.
    number = "-".join(typed.upper().split())
    # A control character (a NUL in the URL) is in no permit number, and PostgreSQL
    # refuses a NUL in a query's text.
    if not number.isprintable():
        return None
    return db.session.scalar(select(Permit).where(Permit.permit_num == number))


def lookup(text: str) -> Lookup:
    """A permit number (exactly) or a house number and street (however it is spelt)."""
    query = " ".join((text or "").split())[:MAX_QUERY]
    permit = _by_number(query) if query else None
    if permit is not None:
        return Lookup(query, "number", [_public(permit)])
    typed = street(query)
    if typed is None:
        return Lookup(query, "address")
    candidates = db.session.scalars(
        select(Permit)
        .where(search.address_matches(typed))
        .order_by(Permit.address_key, Permit.permit_num)
        .limit(MAX_MATCHES * 5)
    ).all()
    matches = [
        _public(permit)
        for permit in candidates
        if search.same_street(typed, permit.original_address1)
    ]
    return Lookup(query, "address", matches[:MAX_MATCHES])


def public_page(permit_number: str) -> PublicPage | None:
    permit = _by_number(permit_number[:MAX_QUERY])
    if permit is None:
        return None
    return PublicPage(_public(permit), panels.public_panels(permit))
