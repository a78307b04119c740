"""The inspection request's deadlines, in business days from the admin's settings: the first
day a request may name, and the cut-off for cancelling or moving a visit without a fee.

The rule (issue 12): changes are free until the end of the business day that comes the
cut-off's number of business days before the visit, and the settings keep the cut-off below
the lead time. So a request for the earliest date it may name can still be changed for free
on at least one whole business day after the day it was made (defaults: two business days'
notice, a one-day cut-off: asked on Monday for Wednesday, free to change through Tuesday).
"""

from datetime import date, timedelta

from portal import calendar
from portal.settings import services as settings

# How far ahead a preferred date may be: the date pickers stop there too.
BOOKING_HORIZON = timedelta(days=182)


def earliest_inspection_day(today: date | None = None) -> date:
    """The first day a new request may name: the lead time in business days after today."""
    today = today or calendar.local_today()
    return calendar.add_business_days(today, settings.current().inspection_lead_business_days)


def latest_inspection_day(today: date | None = None) -> date:
    """The last day a request may name: the department plans visits this far ahead."""
    return (today or calendar.local_today()) + BOOKING_HORIZON


def cutoff_day(scheduled: date) -> date:
    """The last day the requester may cancel or reschedule without a reinspection fee."""
    return calendar.add_business_days(
        scheduled, -settings.current().inspection_cutoff_business_days
    )


def is_past_cutoff(scheduled: date, today: date | None = None) -> bool:
    return (today or calendar.local_today()) > cutoff_day(scheduled)


def upcoming_cutoffs(count: int = 60) -> dict[date, date]:
    """The next ``count`` business days a request may name, each with its cut-off (one
    holiday query): the request form tells the cut-off of the date being chosen before the
    request is sent."""
    first = earliest_inspection_day()
    today = calendar.local_today()
    holidays = calendar.holidays_between(today, first + timedelta(days=count * 2 + 14))
    back = settings.current().inspection_cutoff_business_days
    cutoffs: dict[date, date] = {}
    day = first
    while len(cutoffs) < count:
        if calendar.is_business_day(day, holidays):
            cutoffs[day] = calendar.add_business_days(day, -back, holidays)
        day += timedelta(days=1)
    return cutoffs
