"""The counter's hours: the weekly pickup slots and the days it is closed, set by admins."""

from collections.abc import Sequence
from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, calendar
from portal.certificates.errors import InvalidCertificate
from portal.certificates.models import ClosedDay, PickupSlot
from portal.extensions import db

DEFAULT_COUNTER_HOURS = ((time(9), time(10)), (time(13), time(14)))
DEFAULT_CAPACITY = 4


def pickup_slots() -> Sequence[PickupSlot]:
    return db.session.scalars(
        select(PickupSlot)
        .where(PickupSlot.active.is_(True))
        .order_by(PickupSlot.weekday, PickupSlot.start)
    ).all()


def closed_days(from_day: date) -> Sequence[ClosedDay]:
    return db.session.scalars(
        select(ClosedDay).where(ClosedDay.day >= from_day).order_by(ClosedDay.day)
    ).all()


def add_slot(actor, *, weekday: int, start, end, capacity: int) -> PickupSlot:
    """An admin adds a weekly opening of the counter."""
    if not 0 <= weekday <= 6:
        raise InvalidCertificate(_l("Choose a day of the week"), "weekday")
    if end <= start:
        raise InvalidCertificate(_l("The end time must be after the start time"), "end")
    if capacity < 1:
        raise InvalidCertificate(_l("Enter how many people can come, 1 or more"), "capacity")
    slot = PickupSlot(weekday=weekday, start=start, end=end, capacity=capacity)
    db.session.add(slot)
    db.session.flush()
    audit.record(
        "pickup.slot_added",
        slot,
        actor=actor,
        weekday=weekday,
        start=start.isoformat(),
        end=end.isoformat(),
        capacity=capacity,
    )
    db.session.commit()
    return slot


def remove_slot(slot: PickupSlot, actor) -> None:
    """Stop offering a weekly opening; appointments already booked in it stand."""
    slot.active = False
    audit.record("pickup.slot_removed", slot, actor=actor)
    db.session.commit()


def add_closed_day(actor, day: date, reason: str) -> ClosedDay:
    """Close the counter on a future day that is not closed already."""
    if day < calendar.local_today():
        raise InvalidCertificate(_l("The date has passed: choose a later date"), "day")
    if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == day)) is not None:
        raise InvalidCertificate(_l("That day is already closed"), "day")
    closed = ClosedDay(day=day, reason=(reason or "").strip())
    db.session.add(closed)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidCertificate(_l("That day is already closed"), "day") from None
    audit.record("pickup.closed_day_added", closed, actor=actor, day=day.isoformat())
    db.session.commit()
    return closed


def remove_closed_day(closed: ClosedDay, actor) -> None:
    audit.record("pickup.closed_day_removed", closed, actor=actor, day=closed.day.isoformat())
    db.session.delete(closed)
    db.session.commit()


def seed_counter(actor=None) -> None:
    """The counter's first hours (weekdays, two slots a day) and the next closed day after
    Thanksgiving, if none are set yet. Idempotent; for the demo and a new installation."""
    if db.session.scalar(select(PickupSlot.id).limit(1)) is None:
        for weekday in range(5):
            for start, end in DEFAULT_COUNTER_HOURS:
                db.session.add(
                    PickupSlot(weekday=weekday, start=start, end=end, capacity=DEFAULT_CAPACITY)
                )
        audit.record("pickup.slots_seeded", actor=actor)
    today = calendar.local_today()
    for year in (today.year, today.year + 1):
        thanksgiving = next(
            day for day, name in calendar.us_federal_holidays(year) if name == "Thanksgiving Day"
        )
        closed = thanksgiving + timedelta(days=1)
        if closed >= today:
            if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == closed)) is None:
                db.session.add(ClosedDay(day=closed, reason="Day after Thanksgiving"))
            break
    db.session.commit()
