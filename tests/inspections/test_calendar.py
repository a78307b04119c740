"""Business days: weekends and holidays skipped, lead time, cut-off, the department's time zone."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from portal import calendar
from portal.calendar import local_today as real_local_today
from portal.extensions import db
from portal.inspections import catalogue, deadlines
from portal.settings.models import Holiday
from tests.factories import set_settings
from tests.factories.inspections import MEMORIAL_DAY, NEXT_TUESDAY, TODAY, WEDNESDAY


def test_federal_holidays_use_the_observed_day():
    days_2026 = dict(calendar.us_federal_holidays(2026))
    assert days_2026[date(2026, 7, 3)] == "Independence Day"  # 4 July 2026 is a Saturday
    assert days_2026[date(2026, 11, 26)] == "Thanksgiving Day"
    assert date(2026, 5, 25) in days_2026
    days_2027 = dict(calendar.us_federal_holidays(2027))
    assert date(2027, 7, 5) in days_2027  # a Sunday holiday moves to Monday
    assert date(2027, 12, 24) in days_2027
    assert days_2027[date(2027, 12, 31)] == "New Year's Day"  # 1 January 2028 is a Saturday
    assert len(days_2026) == 11
    assert len(days_2027) == 12


def test_seeding_holidays_is_idempotent(app):
    catalogue.seed_types()
    catalogue.seed_types()
    assert db.session.scalar(select(func.count(Holiday.id))) == 23


def test_business_days_skip_weekends_and_holidays(app):
    catalogue.seed_types()
    friday = date(2026, 5, 22)
    assert calendar.add_business_days(friday, 1) == NEXT_TUESDAY  # weekend, then Memorial Day
    assert calendar.add_business_days(NEXT_TUESDAY, -1) == friday
    assert calendar.add_business_days(TODAY, 2) == WEDNESDAY
    assert not calendar.is_business_day(MEMORIAL_DAY, {MEMORIAL_DAY})
    assert not calendar.is_business_day(date(2026, 5, 23), set())


def test_lead_time_counts_business_days(app):
    catalogue.seed_types()
    assert deadlines.earliest_inspection_day(TODAY) == WEDNESDAY
    # From Thursday: Friday is one, Memorial Day does not count, Tuesday is two.
    assert deadlines.earliest_inspection_day(date(2026, 5, 21)) == NEXT_TUESDAY
    set_settings(inspection_lead_business_days=5)
    assert deadlines.earliest_inspection_day(TODAY) == NEXT_TUESDAY


def test_cutoff_is_business_days_before_the_visit(app):
    catalogue.seed_types()
    # A visit on Tuesday 26 May: one business day before, past Memorial Day, is Friday 22 May.
    assert deadlines.cutoff_day(NEXT_TUESDAY) == date(2026, 5, 22)
    assert not deadlines.is_past_cutoff(NEXT_TUESDAY, date(2026, 5, 22))
    assert deadlines.is_past_cutoff(NEXT_TUESDAY, date(2026, 5, 25))
    set_settings(inspection_cutoff_business_days=2)
    assert deadlines.cutoff_day(NEXT_TUESDAY) == date(2026, 5, 21)


def test_today_is_the_department_s_date_not_utc(app, monkeypatch):
    # 03:00 UTC on 19 May is still 18 May in Chicago.
    monkeypatch.setattr(calendar, "local_today", real_local_today)
    monkeypatch.setattr(calendar, "utcnow", lambda: datetime(2026, 5, 19, 3, 0, tzinfo=UTC))
    assert calendar.local_today() == date(2026, 5, 18)
    monkeypatch.setitem(app.config, "PORTAL_TIMEZONE", "Europe/Paris")
    assert calendar.local_today() == date(2026, 5, 19)
