"""How the public reaches the department: read on every public page, changed by admins.

The help page, the pickup page and the pickup emails show these details; every message that
says "contact the department" links to the help page, so a change here reaches them all.
"""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from portal import audit
from portal.errors import DomainError
from portal.settings import services
from portal.settings.models import CONTACT_DEFAULTS, ContactDetails
from portal.workflow import stale_guard

STALE_MESSAGE = _l(
    "Another administrator changed the contact details since you opened the page. "
    "The page now shows their values: check them and save again."
)
FIELDS = tuple(CONTACT_DEFAULTS)


def current() -> ContactDetails:
    """The details in force (the defaults until an admin saves)."""
    return services.single_row(ContactDetails, CONTACT_DEFAULTS)


@stale_guard(STALE_MESSAGE)
def save(values: Mapping[str, str], actor, version) -> ContactDetails:
    """Admins change the contact details; the form must show the version it was opened on."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the contact details."))
    details = services.row_to_save(ContactDetails, CONTACT_DEFAULTS, version, STALE_MESSAGE)
    changes = {}
    for name in FIELDS:
        new = (values[name] or "").strip()
        if getattr(details, name) != new:
            changes[name] = new
            setattr(details, name, new)
    if changes or details.version is None:
        audit.record("contact_details.changed", details, actor=actor, **changes)
    return services.commit_row(details, STALE_MESSAGE)
