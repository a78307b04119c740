"""The times a pickup can be booked: the counter's slots on open days in the booking window,
with seats counted under a per-slot-day lock so the last seat goes to one person only."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import calendar, languages
from portal.certificates.counter_hours import pickup_slots
from portal.certificates.errors import InvalidCertificate
from portal.certificates.models import (
    SEAT_STATES,
    ClosedDay,
    PickupAppointment,
    PickupSlot,
    PickupSlotDay,
)
from portal.db_locks import begin_write
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow


class SlotFull(DomainError):
    default_message = _l(
        "Sorry, that time was taken while you were choosing: no seats are left. "
        "Choose another time."
    )


@dataclass(frozen=True)
class Opening:
    slot: PickupSlot
    day: date
    starts_at: datetime
    ends_at: datetime
    seats_left: int

    @property
    def value(self) -> str:
        return f"{self.slot.id}:{self.day.isoformat()}"

    @property
    def label(self) -> str:
        return str(describe(self.day, self.slot))

    @property
    def time_label(self) -> str:
        """The time alone, under its day's heading: "9:00 AM to 10:00 AM"."""
        return languages.hours_of_day(self.slot.start, self.slot.end)


@dataclass(frozen=True)
class DayChoice:
    """The booking page's two steps: the days with a free time, then the chosen day's times."""

    days: list[tuple[date, int]]
    day: date | None
    times: list[Opening]


def by_day(found: list[Opening], wanted: str | None) -> DayChoice:
    """The days of `found` with how many times each has free, and the times of the day the
    person chose (`wanted`, an ISO date or a posted "slot:day" choice), if it has any."""
    days: dict[date, list[Opening]] = {}
    for opening in found:
        days.setdefault(opening.day, []).append(opening)
    day = None
    text = (wanted or "").rpartition(":")[2]
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    if day not in days:
        day = None
    return DayChoice(
        [(each, len(times)) for each, times in days.items()],
        day,
        days.get(day, []) if day else [],
    )


def describe(day: date, slot: PickupSlot) -> languages.Hours:
    return languages.Hours(day, slot.start, slot.end)


def _local(day: date, moment) -> datetime:
    return datetime.combine(day, moment, tzinfo=calendar.department_zone())


def _closed(start: date, end: date) -> set[date]:
    closed = set(db.session.scalars(select(ClosedDay.day).where(ClosedDay.day.between(start, end))))
    return closed | calendar.holidays_between(start, end)


def _last_bookable_day(today: date) -> date:
    return today + timedelta(days=current_app.config["PICKUP_BOOKING_DAYS"])


def openings(excluding: int | None = None) -> list[Opening]:
    """Times with a seat left in the booking window, soonest first; past, closed and full
    times are left out. Two queries whatever the number of slots and days."""
    today = calendar.local_today()
    last = _last_bookable_day(today)
    slots = pickup_slots()
    closed = _closed(today, last)
    taken_query = (
        select(PickupAppointment.slot_id, PickupAppointment.day, func.count())
        .where(
            PickupAppointment.day.between(today, last),
            PickupAppointment.status.in_(SEAT_STATES),
        )
        .group_by(PickupAppointment.slot_id, PickupAppointment.day)
    )
    if excluding is not None:
        taken_query = taken_query.where(PickupAppointment.id != excluding)
    taken = {(slot_id, day): n for slot_id, day, n in db.session.execute(taken_query)}
    now = utcnow()
    found = []
    day = today
    while day <= last:
        if day not in closed:
            for slot in slots:
                if slot.weekday != day.weekday():
                    continue
                starts = _local(day, slot.start)
                left = slot.capacity - taken.get((slot.id, day), 0)
                if starts > now and left > 0:
                    found.append(Opening(slot, day, starts, _local(day, slot.end), left))
        day += timedelta(days=1)
    return found


def _parse_choice(choice: str) -> tuple[int, date]:
    try:
        slot_id, day = (choice or "").split(":", 1)
        return int(slot_id), date.fromisoformat(day)
    except ValueError:
        raise InvalidCertificate(
            _l("Choose a time to pick up the certificate"), "opening"
        ) from None


def check_opening(choice: str) -> tuple[PickupSlot, date, datetime, datetime]:
    """The slot and day a choice names, if a booking may name them (a seat is counted
    later, under the lock)."""
    slot_id, day = _parse_choice(choice)
    slot = db.session.get(PickupSlot, slot_id)
    if slot is None or not slot.active or slot.weekday != day.weekday():
        raise InvalidCertificate(
            _l("The counter is not open at that time: choose another"), "opening"
        )
    starts = _local(day, slot.start)
    if starts <= utcnow():
        raise InvalidCertificate(_l("That time has passed: choose a later one"), "opening")
    if day > _last_bookable_day(calendar.local_today()):
        raise InvalidCertificate(_l("That date is too far ahead: choose an earlier one"), "opening")
    if day in _closed(day, day):
        raise InvalidCertificate(
            _l("The counter is closed that day: choose another day"), "opening"
        )
    return slot, day, starts, _local(day, slot.end)


def _lock_slot_day(slot_id: int, day: date) -> None:
    """Lock the slot's row for the day (created on first use) until the transaction ends
    (on SQLite, which ignores FOR UPDATE, begin_write's write lock does it)."""
    begin_write()
    query = (
        select(PickupSlotDay)
        .where(PickupSlotDay.slot_id == slot_id, PickupSlotDay.day == day)
        .with_for_update()
    )
    if db.session.scalar(query) is None:
        try:
            with db.session.begin_nested():
                db.session.add(PickupSlotDay(slot_id=slot_id, day=day))
        except IntegrityError:
            pass
        db.session.scalar(query.execution_options(populate_existing=True))


def _seats_taken(slot_id: int, day: date, excluding: int | None = None) -> int:
    query = select(func.count(PickupAppointment.id)).where(
        PickupAppointment.slot_id == slot_id,
        PickupAppointment.day == day,
        PickupAppointment.status.in_(SEAT_STATES),
    )
    if excluding is not None:
        query = query.where(PickupAppointment.id != excluding)
    return db.session.execute(query).scalar_one()


def take_seat(slot: PickupSlot, day: date, excluding: int | None = None) -> None:
    """Hold a seat in the slot on the day until the transaction ends, or refuse: SlotFull."""
    _lock_slot_day(slot.id, day)
    if _seats_taken(slot.id, day, excluding) >= slot.capacity:
        raise SlotFull()
