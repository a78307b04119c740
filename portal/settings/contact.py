"""How the public reaches the department: read on every public page, changed by admins.

The help page, the pickup page and the pickup emails show these details; every message that
says "contact the department" links to the help page, so a change here reaches them all.
"""

from collections.abc import Mapping

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.settings.models import CONTACT_DEFAULTS, ContactDetails
from portal.workflow import check_version, stale_guard

STALE_MESSAGE = _l(
    "Another administrator changed the contact details since you opened the page. "
    "The page now shows their values: check them and save again."
)
FIELDS = tuple(CONTACT_DEFAULTS)


def current() -> ContactDetails:
    """The details in force, read once per request (the defaults until an admin saves)."""
    cached = g.get("contact_details")
    if cached is None:
        cached = db.session.get(ContactDetails, 1) or ContactDetails(id=1, **CONTACT_DEFAULTS)
        g.contact_details = cached
    return cached


def shown_version(details: ContactDetails) -> int:
    """The version a form carries: 0 while the defaults have never been saved."""
    return details.version or 0


@stale_guard(STALE_MESSAGE)
def save(values: Mapping[str, str], actor, version) -> ContactDetails:
    """Admins change the contact details; the form must show the version it was opened on."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the contact details."))
    details = db.session.get(ContactDetails, 1)
    if details is None:
        if str(version) != "0":
            raise StaleRecord(STALE_MESSAGE)
        details = ContactDetails(id=1, **CONTACT_DEFAULTS)
        db.session.add(details)
    else:
        check_version(details, version, STALE_MESSAGE)
    changes = {}
    for name in FIELDS:
        new = (values[name] or "").strip()
        if getattr(details, name) != new:
            changes[name] = new
            setattr(details, name, new)
    if changes or details.version is None:
        audit.record("contact_details.changed", details, actor=actor, **changes)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        g.pop("contact_details", None)
        raise StaleRecord(STALE_MESSAGE) from None
    g.contact_details = details
    return details
