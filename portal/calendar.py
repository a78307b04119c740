"""The department's calendar: its time zone, today there, and business days (weekends and the
holidays admins configure are skipped). Shared by every feature that counts days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import utcnow
from portal.settings.models import Holiday

SATURDAY = 5


def department_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def local_today() -> date:
    """Today where the department is: a request made at 11 pm Chicago time is not tomorrow's."""
    return utcnow().astimezone(department_zone()).date()


def holidays_between(start: date, end: date) -> set[date]:
    return set(db.session.scalars(select(Holiday.day).where(Holiday.day.between(start, end))))


def is_business_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def _holidays_around(day: date, business_days: int) -> set[date]:
    # Enough calendar days to cover n business days past weekends and a cluster of holidays.
    span = timedelta(days=business_days * 2 + 14)
    return holidays_between(day - span, day + span)


def add_business_days(day: date, n: int, holidays: set[date] | None = None) -> date:
    """The business day n business days after ``day`` (before it when n is negative)."""
    if holidays is None:
        holidays = _holidays_around(day, abs(n))
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = day
    while remaining:
        current += step
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def local_window(day: date, start_hour: int, end_hour: int) -> tuple[datetime, datetime]:
    zone = department_zone()
    start = datetime(day.year, day.month, day.day, start_hour, tzinfo=zone)
    end = datetime(day.year, day.month, day.day, end_hour, tzinfo=zone)
    return start, end


# US federal holidays, observed dates (a Saturday holiday is kept on Friday, a Sunday one on Monday)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SATURDAY + 1:
        return day + timedelta(days=1)
    return day


MONDAY, THURSDAY = 0, 3


def us_federal_holidays(year: int) -> list[tuple[date, str]]:
    """The observed federal holidays falling in ``year`` (New Year's Day of the next year may)."""
    days = [
        (_observed(date(year, 1, 1)), "New Year's Day"),
        (_nth_weekday(year, 1, MONDAY, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, MONDAY, 3), "Washington's Birthday"),
        (_last_weekday(year, 5, MONDAY), "Memorial Day"),
        (_observed(date(year, 6, 19)), "Juneteenth National Independence Day"),
        (_observed(date(year, 7, 4)), "Independence Day"),
        (_nth_weekday(year, 9, MONDAY, 1), "Labor Day"),
        (_nth_weekday(year, 10, MONDAY, 2), "Columbus Day"),
        (_observed(date(year, 11, 11)), "Veterans Day"),
        (_nth_weekday(year, 11, THURSDAY, 4), "Thanksgiving Day"),
        (_observed(date(year, 12, 25)), "Christmas Day"),
        (_observed(date(year + 1, 1, 1)), "New Year's Day"),
    ]
    return sorted((day, name) for day, name in days if day.year == year)
