"""Holidays: listing, adding (refusing duplicates and bad dates), removing, and that a new
holiday is at once a day nobody can ask for."""

from datetime import date

import pytest
from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.inspections import deadlines
from portal.inspections.errors import InvalidRequest
from portal.settings.models import Holiday
from tests.factories import sign_in_as
from tests.factories.inspections import MEMORIAL_DAY, THURSDAY, WEDNESDAY, make_request
from tests.support.audit import audit_entries
from tests.support.pages import check_page, input_value

URL = "/staff/settings/holidays"


def holiday_on(day: date) -> Holiday | None:
    db.session.expire_all()
    return db.session.scalar(select(Holiday).where(Holiday.day == day))


def test_the_page_lists_upcoming_and_past_holidays(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    upcoming, past = html.split("Past holidays", 1)
    assert "25 May 2026" in upcoming
    assert "Memorial Day" in upcoming
    assert "1 January 2026" in past
    assert "1 January 2026" not in upcoming
    # Only upcoming holidays have a remove button.
    memorial = holiday_on(MEMORIAL_DAY)
    new_year = holiday_on(date(2026, 1, 1))
    assert f"/holidays/{memorial.id}/remove" in html
    assert f"/holidays/{new_year.id}/remove" not in html


def test_an_added_holiday_is_refused_for_requests_at_once(admin_client, admin, permit, contractor):
    assert deadlines.earliest_inspection_day() == WEDNESDAY
    response = admin_client.post(URL, data={"day": "2026-05-20", "name": "Department retreat"})
    assert response.status_code == 302
    page = admin_client.get(URL)
    check_page(page.data)
    assert "Department retreat on 20 May 2026 is a holiday now" in page.get_data(as_text=True)

    holiday = holiday_on(WEDNESDAY)
    assert holiday.name == "Department retreat"
    [entry] = audit_entries("holiday.added")
    assert entry.actor_id == admin.id
    assert entry.details == {"day": "2026-05-20", "name": "Department retreat"}

    with pytest.raises(InvalidRequest, match=r"is a holiday \(Department retreat\)"):
        make_request(permit, contractor, preferred_date_1=WEDNESDAY, preferred_date_2=None)
    # Notice is counted in business days, which now skip it too.
    assert deadlines.earliest_inspection_day() == THURSDAY


@pytest.mark.parametrize(
    ("day", "name", "field", "message"),
    [
        ("2026-05-25", "Memorial Day again", "day", "That day is already a holiday"),
        ("2026-02-30", "Nonsense", "day", "Enter a real date in the format YYYY-MM-DD"),
        ("next tuesday", "Nonsense", "day", "Enter a real date in the format YYYY-MM-DD"),
        ("99999-01-01", "Nonsense", "day", "Enter a real date in the format YYYY-MM-DD"),
        ("2026-05-01", "Too late", "day", "The date has passed"),
        ("2099-01-01", "Too far", "day", "Enter a date within the next ten years"),
        ("", "No date", "day", "Enter the date"),
        ("2026-06-01", "", "name", "Enter the holiday's name"),
        ("2026-06-01", "   ", "name", "Enter the holiday's name"),
        ("2026-06-01", "x" * 101, "name", "Field cannot be longer than 100 characters"),
    ],
)
def test_bad_holidays_are_refused_and_the_answers_kept(admin_client, day, name, field, message):
    before = db.session.scalar(select(db.func.count(Holiday.id)))
    response = admin_client.post(URL, data={"day": day, "name": name})
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert f'<a href="#{field}">{message}' in html
    assert input_value(html, "day") == day
    assert input_value(html, "name") == name
    assert db.session.scalar(select(db.func.count(Holiday.id))) == before
    assert audit_entries("holiday.added") == []


def test_an_upcoming_holiday_can_be_removed_and_a_past_one_cannot(admin_client, admin):
    memorial = holiday_on(MEMORIAL_DAY)
    response = admin_client.post(f"{URL}/{memorial.id}/remove", data={})
    assert response.status_code == 302
    page = admin_client.get(URL)
    check_page(page.data)
    assert "Memorial Day on 25 May 2026 is no longer a holiday" in page.get_data(as_text=True)
    assert holiday_on(MEMORIAL_DAY) is None
    [entry] = audit_entries("holiday.removed")
    assert (entry.actor_id, entry.details) == (
        admin.id,
        {"day": "2026-05-25", "name": "Memorial Day"},
    )
    assert calendar.is_business_day(
        MEMORIAL_DAY, calendar.holidays_between(MEMORIAL_DAY, MEMORIAL_DAY)
    )

    new_year = holiday_on(date(2026, 1, 1))
    response = admin_client.post(f"{URL}/{new_year.id}/remove", data={})
    page = admin_client.get(response.headers["Location"])
    assert "A past holiday stays on record" in page.get_data(as_text=True)
    assert holiday_on(date(2026, 1, 1)) is not None
    assert len(audit_entries("holiday.removed")) == 1

    assert admin_client.post(f"{URL}/999999/remove", data={}).status_code == 404


def test_staff_and_applicants_cannot_change_holidays(app, admin, staff_member, contractor):
    memorial = holiday_on(MEMORIAL_DAY)
    for user in (staff_member, contractor):
        client = app.test_client()
        sign_in_as(client, user)
        assert client.get(URL).status_code == 404
        assert client.post(URL, data={"day": "2026-06-01", "name": "Mine"}).status_code == 404
        assert client.post(f"{URL}/{memorial.id}/remove", data={}).status_code == 404
    assert holiday_on(date(2026, 6, 1)) is None
    assert holiday_on(MEMORIAL_DAY) is not None
