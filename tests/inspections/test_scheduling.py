"""Scheduling: the form, capacity (also under real concurrency), and the calendar invitations."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.auth.models import Role
from portal.documents.models import StoredFile
from portal.documents.store import read_bytes
from portal.errors import StaleRecord
from portal.extensions import db
from portal.inspections import requests, scheduling
from portal.inspections.errors import CapacityFull, InvalidRequest
from portal.inspections.models import InspectionStatus, Window
from tests.factories import make_permit, make_user, set_settings
from tests.factories.inspections import FRIDAY, THURSDAY, derive, make_request, reload, schedule
from tests.support.mail import outbox
from tests.support.pages import check_page

CHICAGO = ZoneInfo("America/Chicago")


def invitation_of(message) -> Calendar:
    (attachment,) = message.attachments
    assert attachment["content_type"] == "text/calendar"
    stored = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == attachment["sha256"]))
    return Calendar.from_ical(read_bytes(stored))


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_staff_schedule_from_the_queue(staff_client, permit, contractor, owner, inspector):
    inspection_request = make_request(permit, contractor)
    queue = staff_client.get("/staff/inspections")
    check_page(queue.data)
    assert permit.permit_num.encode() in queue.data
    page = staff_client.get(f"/staff/inspections/{inspection_request.id}/schedule")
    assert page.status_code == 200
    check_page(page.data)
    response = staff_client.post(
        f"/staff/inspections/{inspection_request.id}/schedule",
        data={
            "day": THURSDAY.isoformat(),
            "window": "afternoon",
            "inspector": str(inspector.id),
            "version": str(inspection_request.version),
        },
    )
    assert response.status_code == 302
    scheduled = reload(inspection_request)
    assert scheduled.status == InspectionStatus.SCHEDULED
    assert (scheduled.scheduled_date, scheduled.scheduled_window) == (THURSDAY, Window.AFTERNOON)
    assert scheduled.inspector_id == inspector.id
    emails = [m for m in outbox(owner.email) if "scheduled" in m.subject]
    assert len(emails) == 1
    event = event_of(invitation_of(emails[0]))
    assert event.decoded("dtstart") == datetime(2026, 5, 21, 12, 0, tzinfo=CHICAGO)


def test_the_invitation_keeps_its_uid_and_raises_its_sequence(permit, contractor, owner, inspector):
    inspection_request = make_request(permit, contractor)
    schedule(inspection_request, inspector)
    first = invitation_of([m for m in outbox(owner.email) if m.attachments][-1])
    assert str(first["method"]) == "REQUEST"
    assert "BEGIN:VTIMEZONE" in first.to_ical().decode()
    event = event_of(first)
    uid = str(event["uid"])
    assert event["sequence"] == 0
    start = event.decoded("dtstart")
    assert start == datetime(2026, 5, 21, 8, 0, tzinfo=CHICAGO)
    assert start.utcoffset().total_seconds() == -5 * 3600  # CDT in May
    assert event["dtstart"].params["TZID"] == "America/Chicago"
    assert event.decoded("dtend") == datetime(2026, 5, 21, 12, 0, tzinfo=CHICAGO)
    assert permit.original_address1 in str(event["location"])

    moved = schedule(reload(inspection_request), inspector, day=FRIDAY)
    second = event_of(invitation_of([m for m in outbox(owner.email) if m.attachments][-1]))
    assert str(second["uid"]) == uid
    assert second["sequence"] == 1
    assert second.decoded("dtstart") == datetime(2026, 5, 22, 8, 0, tzinfo=CHICAGO)

    requests.cancel_request(reload(moved), owner, reload(moved).version)
    cancelled = invitation_of([m for m in outbox(owner.email) if m.attachments][-1])
    assert str(cancelled["method"]) == "CANCEL"
    assert str(event_of(cancelled)["uid"]) == uid
    assert event_of(cancelled)["sequence"] == 2
    assert str(event_of(cancelled)["status"]) == "CANCELLED"


def test_an_inspector_s_full_day_is_refused(app, permit, contractor, inspector, staff_client):
    set_settings(inspector_daily_capacity=2)
    requests = [
        make_request(permit, contractor, code) for code in ("ELEC-RGH", "PLB-RGH", "CARP-RGH")
    ]
    schedule(requests[0], inspector)
    schedule(requests[1], inspector)
    with pytest.raises(CapacityFull, match="already has 2 inspections"):
        schedule(requests[2], inspector)
    assert reload(requests[2]).status == InspectionStatus.REQUESTED
    response = staff_client.post(
        f"/staff/inspections/{requests[2].id}/schedule",
        data={
            "day": THURSDAY.isoformat(),
            "window": "morning",
            "inspector": str(inspector.id),
            "version": str(reload(requests[2]).version),
        },
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"the most in one day" in response.data
    other_inspector = make_user(role=Role.STAFF)
    schedule(reload(requests[2]), inspector, inspector=other_inspector)
    # Moving a booked visit within the same day does not count it twice.
    schedule(reload(requests[0]), inspector, window=Window.AFTERNOON)


def test_weekend_holiday_and_past_dates_are_refused_for_staff(permit, contractor, inspector):
    from datetime import date

    inspection_request = make_request(permit, contractor)
    for day, message in [
        (date(2026, 5, 23), "weekend day or a holiday"),
        (date(2026, 5, 25), "weekend day or a holiday"),
        (date(2026, 5, 1), "has passed"),
    ]:
        with pytest.raises(InvalidRequest, match=message):
            schedule(reload(inspection_request), inspector, day=day)
    assert reload(inspection_request).status == InspectionStatus.REQUESTED


def test_a_stale_schedule_form_is_refused(permit, contractor, inspector):
    inspection_request = make_request(permit, contractor)
    seen = inspection_request.version
    schedule(inspection_request, inspector)
    with pytest.raises(StaleRecord):
        scheduling.schedule(
            reload(inspection_request),
            inspector,
            day=FRIDAY,
            window=Window.MORNING,
            inspector_id=inspector.id,
            version=seen,
        )
    assert reload(inspection_request).scheduled_date == THURSDAY


def test_two_staff_booking_the_last_place_at_once_one_wins(app, seeded, inspector, contractor):
    set_settings(inspector_daily_capacity=1)
    permits = [make_permit(scope=["electrical"]) for _ in range(2)]
    from portal.permits.models import PartyRole
    from tests.factories import add_party

    ids = []
    for permit in permits:
        add_party(permit, contractor, PartyRole.CONTRACTOR)
        derive(permit)
        ids.append(make_request(permit, contractor).id)
    staff_ids = [inspector.id, make_user(role=Role.STAFF).id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(request_id: int, staff_id: int) -> None:
        with app.app_context(), app.test_request_context():
            from portal.auth.models import User
            from portal.inspections.models import InspectionRequest

            inspection_request = db.session.get(InspectionRequest, request_id)
            actor = db.session.get(User, staff_id)
            inspection_request.permit  # noqa: B018 - loaded before the race starts
            barrier.wait()
            try:
                scheduling.schedule(
                    inspection_request,
                    actor,
                    day=THURSDAY,
                    window=Window.MORNING,
                    inspector_id=inspector.id,
                    version=inspection_request.version,
                )
                outcomes.append("booked")
            except CapacityFull:
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=book, args=pair) for pair in zip(ids, staff_ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "full"]
    db.session.expire_all()
    assert scheduling.visits_on(inspector.id, THURSDAY) == 1
