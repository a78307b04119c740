"""Reading and changing the settings; every change is audited.

Besides the PortalSettings row, an admin's working rules are the holidays business days
skip (portal.inspections.calendar reads them from the table on every call, so a change
applies to the next request) and the fee schedule, whose amounts take effect from a date.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.inspections import calendar
from portal.inspections.models import Holiday
from portal.payments.models import Fee, FeeKind, FeeSchedule, FeeScheduleEntry
from portal.settings.models import DEFAULTS, PortalSettings
from portal.workflow import check_version, stale_guard

STALE_MESSAGE = _l(
    "Another administrator changed these settings since you opened the page. "
    "The page now shows their values: check them and save again."
)
FIELDS = tuple(DEFAULTS)
# Inclusive bounds for each number, checked here as well as by the form.
BOUNDS = {
    "inspection_lead_business_days": (0, 30),
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


def current() -> PortalSettings:
    """The settings in force, read once per request (unsaved defaults until an admin saves)."""
    cached = g.get("portal_settings")
    if cached is None:
        cached = db.session.get(PortalSettings, 1) or PortalSettings(id=1, **DEFAULTS)
        g.portal_settings = cached
    return cached


def shown_version(settings: PortalSettings) -> int:
    """The version a form carries: 0 while the defaults have never been saved."""
    return settings.version or 0


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
    settings = db.session.get(PortalSettings, 1)
    if settings is None:
        # The form showed a saved version that is gone: it is not the defaults it would replace.
        if str(version) != "0":
            raise StaleRecord(STALE_MESSAGE)
        settings = PortalSettings(id=1, **DEFAULTS)
        db.session.add(settings)
    else:
        check_version(settings, version, STALE_MESSAGE)
    changes = {}
    for name in FIELDS:
        old, new = getattr(settings, name), values[name]
        if old != new:
            changes[name] = f"{old} -> {new}"
            setattr(settings, name, new)
    if changes or settings.version is None:
        audit.record("settings.changed", settings, actor=actor, **changes)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        g.pop("portal_settings", None)
        raise StaleRecord(STALE_MESSAGE) from None
    g.portal_settings = settings
    return settings


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


# ---- the fee schedule -----------------------------------------------------------------------


def _schedules():
    return select(FeeSchedule).options(selectinload(FeeSchedule.entries))


def schedule_in_force(today: date) -> FeeSchedule | None:
    return db.session.scalar(
        _schedules()
        .where(FeeSchedule.effective_from <= today)
        .order_by(FeeSchedule.effective_from.desc())
        .limit(1)
    )


def future_schedules(today: date) -> Sequence[FeeSchedule]:
    return db.session.scalars(
        _schedules().where(FeeSchedule.effective_from > today).order_by(FeeSchedule.effective_from)
    ).all()


def amounts_on(day: date) -> dict[FeeKind, FeeScheduleEntry]:
    """Per fee kind, the entry the ledger would charge on a day (as payments.schedule_entry)."""
    entries = db.session.scalars(
        select(FeeScheduleEntry)
        .join(FeeSchedule)
        .where(FeeSchedule.effective_from <= day)
        .order_by(FeeSchedule.effective_from.desc())
    ).all()
    found: dict[FeeKind, FeeScheduleEntry] = {}
    for entry in entries:
        found.setdefault(entry.kind, entry)
    return found


def rows(schedule: FeeSchedule) -> list[tuple[FeeKind, FeeScheduleEntry | None]]:
    """Each fee kind with the schedule's entry for it, if it has one."""
    by_kind = {entry.kind: entry for entry in schedule.entries}
    return [(kind, by_kind.get(kind)) for kind in FeeKind]


def add_schedule(
    actor, *, name: str, effective_from: date, amounts: Mapping[FeeKind, tuple[int | None, str]]
) -> FeeSchedule:
    """A new schedule starts after today, so nobody is charged an amount they could not see.

    ``amounts`` gives each kind's (cents, authority); None leaves the kind out, which is
    refused for a kind the schedule before it charges: the ledger would go on charging
    the older amount, which is not what a blank says.
    """
    if not actor.is_admin:
        raise DomainError(_l("Only an administrator can change the fee schedule."))
    name = (name or "").strip()
    if not name:
        raise InvalidSetting(_l("Enter a name for the schedule"), "name")
    today = calendar.local_today()
    if effective_from <= today:
        raise InvalidSetting(
            _l("A new schedule must start after today: enter a later date"), "effective_from"
        )
    if effective_from > today + HORIZON:
        raise InvalidSetting(_l("Enter a date within the next ten years"), "effective_from")
    taken = _l("A schedule already starts on that date. Remove it first, or choose another date.")
    if db.session.scalar(
        select(FeeSchedule.id).where(FeeSchedule.effective_from == effective_from)
    ):
        raise InvalidSetting(taken, "effective_from")
    before = amounts_on(effective_from)
    schedule = FeeSchedule(name=name, effective_from=effective_from, created_by_id=actor.id)
    details = {}
    for kind in FeeKind:
        cents, authority = amounts.get(kind, (None, ""))
        authority = (authority or "").strip()
        if cents is None:
            if kind in before:
                raise InvalidSetting(
                    _l("Enter the amount: the schedule before this one charges it"),
                    f"amount_{kind.value}",
                )
            continue
        if cents < 0:
            raise InvalidSetting(_l("An amount cannot be negative"), f"amount_{kind.value}")
        if not authority:
            raise InvalidSetting(
                _l("Enter the rule this amount comes from"), f"authority_{kind.value}"
            )
        schedule.entries.append(
            FeeScheduleEntry(kind=kind, amount_cents=cents, authority=authority)
        )
        details[kind.value] = cents
    if not schedule.entries:
        raise InvalidSetting(_l("Enter at least one amount"), f"amount_{next(iter(FeeKind)).value}")
    db.session.add(schedule)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidSetting(taken, "effective_from") from None
    audit.record(
        "fee_schedule.created",
        schedule,
        actor=actor,
        name=name,
        effective_from=effective_from.isoformat(),
        **details,
    )
    db.session.commit()
    return schedule


def remove_schedule(schedule: FeeSchedule, actor) -> None:
    """Only a schedule not yet in force, and that no fee was charged from, can go."""
    if schedule.effective_from <= calendar.local_today():
        raise InvalidSetting(
            _l("This schedule is in force or was in force: it stays on record and cannot change.")
        )
    charged = exists().where(
        Fee.schedule_entry_id == FeeScheduleEntry.id, FeeScheduleEntry.schedule_id == schedule.id
    )
    if db.session.scalar(select(charged)):
        raise InvalidSetting(_l("Fees were already charged from this schedule: it stays."))
    audit.record(
        "fee_schedule.removed",
        schedule,
        actor=actor,
        name=schedule.name,
        effective_from=schedule.effective_from.isoformat(),
    )
    db.session.delete(schedule)
    db.session.commit()
