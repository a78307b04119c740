"""The admin settings a test runs under, reading back what its posts saved, and a day the
settings leave free for a new holiday or fee schedule."""

from datetime import date, timedelta

from flask import g
from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.payments.models import FeeSchedule
from portal.settings.models import DEFAULTS, Holiday, PortalSettings


def set_settings(**values) -> PortalSettings:
    """Put these admin settings in force for the rest of the test (the next test starts
    from the defaults again, with an empty database)."""
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"no such setting: {', '.join(sorted(unknown))}")
    settings = db.session.get(PortalSettings, 1) or PortalSettings(id=1, **DEFAULTS)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.add(settings)
    db.session.commit()
    # The test's own app context may have read the defaults already.
    g.pop("portal_settings", None)
    return settings


def stored_settings() -> PortalSettings | None:
    db.session.expire_all()
    return db.session.get(PortalSettings, 1)


def unused_day(after_days: int) -> date:
    """A day at least this far ahead that is neither a holiday nor a fee schedule's start."""
    day = calendar.local_today() + timedelta(days=after_days)
    taken = set(db.session.scalars(select(Holiday.day))) | set(
        db.session.scalars(select(FeeSchedule.effective_from))
    )
    while day in taken:
        day += timedelta(days=1)
    return day
