"""The inspection request's deadlines, in business days from the admin's settings: the first
day a request may name, and the cut-off for cancelling or moving a visit without a fee."""

from datetime import date

from portal import calendar
from portal.settings import services as settings


def earliest_inspection_day(today: date | None = None) -> date:
    """The first day a new request may name: the lead time in business days after today."""
    today = today or calendar.local_today()
    return calendar.add_business_days(today, settings.current().inspection_lead_business_days)


def cutoff_day(scheduled: date) -> date:
    """The last day the requester may cancel or reschedule without a reinspection fee."""
    return calendar.add_business_days(
        scheduled, -settings.current().inspection_cutoff_business_days
    )


def is_past_cutoff(scheduled: date, today: date | None = None) -> bool:
    return (today or calendar.local_today()) > cutoff_day(scheduled)
