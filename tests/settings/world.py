"""The settings' part of the shared test world (tests/support/world.py): an upcoming
holiday and a fee schedule not yet in force, so their remove buttons have something to
act on; how to fill the settings routes' URLs and forms."""

from datetime import timedelta

from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.payments.models import FeeKind, FeeSchedule, FeeScheduleEntry
from portal.settings.models import Holiday

HOLIDAY_NAME = "World holiday"
SCHEDULE_NAME = "World fees from next month"


def _free_day(after_days: int):
    """A day at least this far ahead that is neither a holiday nor a schedule's start."""
    day = calendar.local_today() + timedelta(days=after_days)
    taken = set(db.session.scalars(select(Holiday.day))) | set(
        db.session.scalars(select(FeeSchedule.effective_from))
    )
    while day in taken:
        day += timedelta(days=1)
    return day


def add_records(world) -> None:
    db.session.add(Holiday(day=_free_day(400), name=HOLIDAY_NAME))
    schedule = FeeSchedule(name=SCHEDULE_NAME, effective_from=_free_day(30))
    schedule.entries.append(
        FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=17500, authority="14A-5-501.4")
    )
    db.session.add(schedule)
    db.session.commit()


def _holiday_id(world) -> int:
    return db.session.scalar(select(Holiday.id).where(Holiday.name == HOLIDAY_NAME))


def _schedule_id(world) -> int:
    return db.session.scalar(select(FeeSchedule.id).where(FeeSchedule.name == SCHEDULE_NAME))


PARAMETERS = {"holiday_id": _holiday_id, "schedule_id": _schedule_id}

POST_FORMS = {
    # No admin has saved the settings in the world, so the form shows the defaults' version.
    "settings.index": lambda w, c: {
        "version": "0",
        "inspection_lead_business_days": "3",
        "inspection_cutoff_business_days": "2",
        "inspector_daily_capacity": "6",
        "stale_inspection_days": "45",
        "block_requests_when_fees_unpaid": "y",
    },
    "settings.holidays": lambda w, c: {
        "day": _free_day(200).isoformat(),
        "name": "Department training day",
    },
    "settings.remove_holiday": lambda w, c: {},
    "settings.fees": lambda w, c: {
        "name": "Fees from the autumn",
        "effective_from": _free_day(90).isoformat(),
        "amount_reinspection": "175.00",
        "authority_reinspection": "14A-5-501.4",
    },
    "settings.remove_schedule": lambda w, c: {},
}
