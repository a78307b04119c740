"""Reading and changing the settings; every change is audited.

Besides the PortalSettings row, an admin's working rules are the holidays business days
skip (portal.calendar reads them from the table on every call, so a change applies to the
next request). The fee schedule is payments' own (portal/payments/fee_schedule.py).
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, calendar
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.settings.models import DEFAULTS, Holiday, InspectingAgency, PortalSettings
from portal.workflow import check_version, stale_guard

STALE_MESSAGE = _l(
    "Another administrator changed these settings since you opened the page. "
    "The page now shows their values: check them and save again."
)
FIELDS = tuple(DEFAULTS)
# Inclusive bounds for each number, checked here as well as by the form.
BOUNDS = {
    "inspection_lead_business_days": (1, 30),
    "inspection_cutoff_business_days": (0, 30),
    "inspector_daily_capacity": (1, 50),
    "stale_inspection_days": (1, 3650),
}
# A date further ahead than this is a typing mistake (2206 for 2026), not a plan.
HORIZON = timedelta(days=10 * 366)


class InvalidSetting(DomainError):
    """A refusal; ``field`` names the form field to show it beside."""

    def __init__(self, message=None, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# ---- single-row settings (the working rules here, the contact details in contact.py) --------


def single_row(model, defaults: Mapping):
    """The model's one row (id 1), read once per request (kept on `g` under its table's name);
    unsaved defaults until an admin first saves."""
    key = model.__tablename__
    cached = g.get(key)
    if cached is None:
        cached = db.session.get(model, 1) or model(id=1, **defaults)
        setattr(g, key, cached)
    return cached


def shown_version(row) -> int:
    """The version a form carries: 0 while the defaults have never been saved."""
    return row.version or 0


def row_to_save(model, defaults: Mapping, version, stale_message):
    """The row an admin's save changes: row 1 as the form saw it (version checked), or a new
    row from the defaults when the form showed them (version 0). A form that showed a saved
    version that is gone is stale: it is not the defaults it would replace."""
    row = db.session.get(model, 1)
    if row is None:
        if str(version) != "0":
            raise StaleRecord(stale_message)
        row = model(id=1, **defaults)
        db.session.add(row)
    else:
        check_version(row, version, stale_message)
    return row


def commit_row(row, stale_message):
    """Commit the save; two admins saving defaults at once both insert row 1, and the loser
    is told the page is stale. The request then reads what was saved."""
    key = type(row).__tablename__
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        g.pop(key, None)
        raise StaleRecord(stale_message) from None
    setattr(g, key, row)
    return row


def current() -> PortalSettings:
    """The working rules in force."""
    return single_row(PortalSettings, DEFAULTS)


def rule_in_sql(name: str) -> ColumnElement:
    """The working rule `name` as a SQL expression (its default until an admin first saves),
    for a statement that reads it beside its own rows rather than loading the settings row
    in a statement of its own (the applicant home: issue 17). Read with the rows, it is as
    current as they are, in every process."""
    return func.coalesce(
        select(getattr(PortalSettings, name)).where(PortalSettings.id == 1).scalar_subquery(),
        DEFAULTS[name],
    )


@stale_guard(STALE_MESSAGE)
def save(values: Mapping, actor, version) -> PortalSettings:
    """Admins change the working rules; the form must show the version it was opened on.

    The first save inserts row 1; two admins saving at once from the same version
    cannot both win (the version column, or the primary key for the first save).
    """
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the settings."))
    for name, (low, high) in BOUNDS.items():
        if not low <= values[name] <= high:
            raise InvalidSetting(
                _l("Enter a number from %(low)s to %(high)s", low=low, high=high), field=name
            )
    if values["inspection_cutoff_business_days"] >= values["inspection_lead_business_days"]:
        # The cut-off before the earliest date a request may name would pass before anyone
        # could change it (issue 12): the rule in portal/inspections/deadlines.py.
        raise InvalidSetting(
            _l(
                "Make the cut-off fewer business days than the notice, so that a request "
                "for the earliest date can still be changed for at least one business day"
            ),
            field="inspection_cutoff_business_days",
        )
    settings = row_to_save(PortalSettings, DEFAULTS, version, STALE_MESSAGE)
    changes = {}
    for name in FIELDS:
        old, new = getattr(settings, name), values[name]
        if old != new:
            changes[name] = f"{old} -> {new}"
            setattr(settings, name, new)
    if changes or settings.version is None:
        audit.record("settings.changed", settings, actor=actor, **changes)
    return commit_row(settings, STALE_MESSAGE)


# ---- inspecting agencies --------------------------------------------------------------------

AGENCY_FIELDS = ("name", "phone", "email", "address", "schedules_directly", "instructions")
AGENCY_STALE = _l(
    "Another administrator changed this agency since you opened the page. The page now "
    "shows their values: check them and save again."
)


def agencies() -> Sequence[InspectingAgency]:
    return db.session.scalars(select(InspectingAgency).order_by(InspectingAgency.id)).all()


@stale_guard(AGENCY_STALE)
def save_agency(agency: InspectingAgency, values: Mapping, actor, version) -> None:
    """Admins keep an agency's name and contact details current (audited: old and new)."""
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the settings."))
    if not (values.get("name") or "").strip():
        raise InvalidSetting(_l("Enter the agency's name"), "name")
    check_version(agency, version, AGENCY_STALE)
    changes = {}
    for name in AGENCY_FIELDS:
        new = values[name].strip() if isinstance(values[name], str) else values[name]
        if getattr(agency, name) != new:
            changes[name] = f"{getattr(agency, name)} -> {new}"
            setattr(agency, name, new)
    audit.record("inspecting_agency.changed", agency, actor=actor, **changes)
    db.session.commit()


# ---- holidays -------------------------------------------------------------------------------


def upcoming_holidays(today: date) -> Sequence[Holiday]:
    return db.session.scalars(
        select(Holiday).where(Holiday.day >= today).order_by(Holiday.day)
    ).all()


def past_holidays(today: date, page: int, per_page: int):
    return db.paginate(
        select(Holiday).where(Holiday.day < today).order_by(Holiday.day.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def add_holiday(actor, day: date, name: str) -> Holiday:
    """A day the department does not inspect: from today on, and one name per day."""
    today = calendar.local_today()
    if day < today:
        raise InvalidSetting(_l("The date has passed: enter today or a later date"), "day")
    if day > today + HORIZON:
        raise InvalidSetting(_l("Enter a date within the next ten years"), "day")
    name = (name or "").strip()
    if not name:
        raise InvalidSetting(_l("Enter the holiday's name"), "name")
    taken = _l("That day is already a holiday")
    if db.session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
        raise InvalidSetting(taken, "day")
    holiday = Holiday(day=day, name=name)
    db.session.add(holiday)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidSetting(taken, "day") from None
    audit.record("holiday.added", holiday, actor=actor, day=day.isoformat(), name=name)
    db.session.commit()
    return holiday


def remove_holiday(holiday: Holiday, actor) -> None:
    """Upcoming holidays only: a past one explains the cut-offs and fees worked out around it."""
    if holiday.day < calendar.local_today():
        raise InvalidSetting(_l("A past holiday stays on record and cannot be removed."))
    audit.record(
        "holiday.removed", holiday, actor=actor, day=holiday.day.isoformat(), name=holiday.name
    )
    db.session.delete(holiday)
    db.session.commit()
