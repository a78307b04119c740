"""Pickup of the hard copy: counter hours, booking, rescheduling, cancelling, the counter's
day list, no-shows, and reminders sent once."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from portal import calendar
from portal.auth.models import Role
from portal.certificates import counter_hours, openings, pickup
from portal.certificates.models import (
    ClosedDay,
    PickupAppointment,
    PickupSlot,
    PickupStatus,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections.models import (
    InspectionRequest,
    InspectionStatus,
    RequiredInspection,
    Window,
)
from portal.models import utcnow
from portal.notifications.models import OutboxMessage, ReminderSent
from portal.payments import services as payments
from portal.payments.models import FeeKind
from portal.settings.models import CONTACT_DEFAULTS, ContactDetails
from tests.factories import certificates as factories
from tests.factories import make_user, sign_in_as
from tests.support.pages import check_page
from tests.support.stored import stored_text


@pytest.fixture
def slots():
    return factories.every_weekday(capacity=2)


@pytest.fixture
def day():
    return factories.free_day(3)


def _book(certificate, owner, slots, day):
    return pickup.book_pickup(certificate.permit, owner, factories.choice(day, slots))


def test_the_owner_books_a_pickup_and_gets_an_invitation(
    certificate, owner, owner_client, slots, day
):
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate/pickup")
    check_page(page.data)
    # First a day, then its times.
    assert f"?day={day.isoformat()}".encode() in page.data
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate/pickup?day={day}")
    check_page(page.data)
    value = factories.choice(day, slots)
    assert value.encode() in page.data
    response = owner_client.post(
        f"/permits/{certificate.permit_id}/certificate/pickup", data={"opening": value}
    )
    assert response.status_code == 302
    appointment = db.session.scalar(select(PickupAppointment))
    assert appointment.status == PickupStatus.BOOKED
    assert appointment.day == day
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Pickup booked"))
    ).first()
    assert message.to_address == owner.email
    assert message.attachments[0]["filename"] == "pickup.ics"
    ics = stored_text(message.attachments[0]["sha256"])
    assert "METHOD:REQUEST" in ics
    assert f"UID:pickup-appointment-{appointment.id}@" in ics
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    check_page(page.data)
    assert b"You are booked" in page.data


@pytest.mark.parametrize("problem", ["past", "closed", "wrong weekday", "garbage", "holiday"])
def test_bad_bookings_are_refused_with_a_clear_message(
    certificate, owner, owner_client, slots, day, problem
):
    if problem == "past":
        value = factories.choice(calendar.local_today() - timedelta(days=1), slots)
        message = b"That time has passed"
    elif problem == "closed":
        db.session.add(ClosedDay(day=day, reason="Staff training"))
        db.session.commit()
        value = factories.choice(day, slots)
        message = b"The counter is closed that day"
    elif problem == "wrong weekday":
        slot = next(s for s in slots if s.weekday != day.weekday())
        value = f"{slot.id}:{day.isoformat()}"
        message = b"The counter is not open at that time"
    elif problem == "holiday":
        from portal.settings.models import Holiday

        db.session.add(Holiday(day=day, name="A holiday"))
        db.session.commit()
        value = factories.choice(day, slots)
        message = b"The counter is closed that day"
    else:
        value = "9999:not-a-date"
        message = b"Choose a time to pick up the certificate"
    response = owner_client.post(
        f"/permits/{certificate.permit_id}/certificate/pickup", data={"opening": value}
    )
    assert response.status_code == 200
    check_page(response.data)
    assert message in response.data
    assert db.session.scalar(select(func.count(PickupAppointment.id))) == 0


def test_a_full_slot_refuses_the_next_booking(certificate, owner, slots, day, staff):
    for slot in slots:
        slot.capacity = 1
    db.session.commit()
    other = factories.issue(factories.ready_application(), staff)
    other_owner = other.permit.owner_party.user
    _book(other, other_owner, slots, day)
    with pytest.raises(openings.SlotFull, match="no seats are left"):
        _book(certificate, owner, slots, day)
    assert all(o.value != factories.choice(day, slots) for o in openings.openings())


def test_nothing_owed_and_an_issued_certificate_are_needed(application, owner, slots, day, staff):
    with pytest.raises(DomainError, match="once the certificate is issued"):
        pickup.book_pickup(application.permit, owner, factories.choice(day, slots))
    certificate = factories.issue(application, staff)
    payments.assess_fee(certificate.permit, FeeKind.REINSPECTION, reason="x", amount_cents=100)
    db.session.commit()
    with pytest.raises(DomainError, match="Pay the outstanding fees"):
        _book(certificate, owner, slots, day)


def test_one_open_booking_per_certificate(certificate, owner, slots, day):
    _book(certificate, owner, slots, day)
    with pytest.raises(DomainError, match="already have a pickup booked"):
        _book(certificate, owner, slots, day + timedelta(days=1))


def test_reschedule_and_cancel_until_the_slot_starts(certificate, owner, owner_client, slots, day):
    appointment = _book(certificate, owner, slots, day)
    later = factories.free_day(5)
    url = f"/permits/{certificate.permit_id}/certificate/pickup/{appointment.id}/reschedule"
    check_page(owner_client.get(url).data)
    response = owner_client.post(
        url, data={"opening": factories.choice(later, slots), "version": str(appointment.version)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert appointment.day == later
    assert appointment.ics_sequence == 1

    response = owner_client.post(
        f"/permits/{certificate.permit_id}/certificate/pickup/{appointment.id}/cancel",
        data={"version": str(appointment.version)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert appointment.status == PickupStatus.CANCELLED
    cancel = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Pickup cancelled"))
    ).first()
    assert "METHOD:CANCEL" in stored_text(cancel.attachments[0]["sha256"])
    # The seat is free again and a new booking is possible.
    _book(certificate, owner, slots, day)


def test_a_started_slot_can_no_longer_be_changed(certificate, owner, slots, day):
    appointment = _book(certificate, owner, slots, day)
    appointment.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(DomainError, match="has started"):
        pickup.cancel_pickup(appointment, owner, appointment.version)
    with pytest.raises(DomainError, match="has started"):
        pickup.reschedule_pickup(
            appointment, owner, factories.choice(factories.free_day(5), slots), appointment.version
        )


def test_another_permits_appointment_is_not_found(app, certificate, owner, slots, day, staff):
    other = factories.issue(factories.ready_application(), staff)
    theirs = _book(other, other.permit.owner_party.user, slots, day)
    client = app.test_client()
    sign_in_as(client, owner)
    base = f"/permits/{certificate.permit_id}/certificate/pickup/{theirs.id}"
    assert client.get(f"{base}/reschedule").status_code == 404
    assert client.post(f"{base}/cancel", data={"version": str(theirs.version)}).status_code == 404
    db.session.expire_all()
    assert theirs.status == PickupStatus.BOOKED


def test_the_counter_marks_picked_up_with_identity_checked(
    certificate, owner, slots, day, staff_client
):
    appointment = _book(certificate, owner, slots, day)
    page = staff_client.get(f"/staff/pickups?day={day.isoformat()}")
    check_page(page.data)
    assert certificate.number.encode() in page.data
    prefix = f"a{appointment.id}"
    response = staff_client.post(
        f"/staff/pickups/{appointment.id}/picked-up",
        data={
            f"{prefix}-csrf_token": staff_client.csrf_token(),
            f"{prefix}-version": str(appointment.version),
            f"{prefix}-collected_by": "Olivia Owner",
        },
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"photo identification, then tick the box" in response.data
    response = staff_client.post(
        f"/staff/pickups/{appointment.id}/picked-up",
        data={
            f"{prefix}-csrf_token": staff_client.csrf_token(),
            f"{prefix}-version": str(appointment.version),
            f"{prefix}-collected_by": "Olivia Owner",
            f"{prefix}-identity_checked": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert appointment.status == PickupStatus.PICKED_UP
    assert appointment.identity_checked
    assert "already been picked up" in pickup.booking_problem(certificate)


def test_after_a_no_show_the_owner_can_book_again(
    certificate, owner, slots, day, staff, staff_client
):
    appointment = _book(certificate, owner, slots, day)
    with pytest.raises(DomainError, match="not started"):
        pickup.mark_no_show(appointment, staff, appointment.version)
    appointment.starts_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    response = staff_client.post(
        f"/staff/pickups/{appointment.id}/no-show", data={"version": str(appointment.version)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert appointment.status == PickupStatus.NO_SHOW
    assert pickup.booking_problem(certificate) is None
    _book(certificate, owner, slots, factories.free_day(5))


def test_admins_set_the_counter_hours(app, staff_client):
    admin = make_user(role=Role.ADMIN)
    client = app.test_client()
    sign_in_as(client, admin)
    assert staff_client.get("/staff/pickup-hours").status_code == 404
    check_page(client.get("/staff/pickup-hours").data)
    data = {
        "slot-csrf_token": client.csrf_token(),
        "slot-weekday": "1",
        "slot-start": "10:00",
        "slot-end": "09:00",
        "slot-capacity": "4",
    }
    response = client.post("/staff/pickup-hours", data=data)
    check_page(response.data)
    assert b"The end time must be after the start time" in response.data
    response = client.post("/staff/pickup-hours", data={**data, "slot-end": "11:30"})
    assert response.status_code == 302
    slot = db.session.scalar(select(PickupSlot))
    assert (slot.weekday, slot.start, slot.end, slot.capacity) == (1, time(10), time(11, 30), 4)

    past = calendar.local_today() - timedelta(days=1)
    closed = {"closed-csrf_token": client.csrf_token(), "closed-reason": "Training"}
    response = client.post(
        "/staff/pickup-hours/closed-days", data={**closed, "closed-day": past.isoformat()}
    )
    check_page(response.data)
    assert b"The date has passed" in response.data
    ahead = calendar.local_today() + timedelta(days=10)
    response = client.post(
        "/staff/pickup-hours/closed-days", data={**closed, "closed-day": ahead.isoformat()}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(ClosedDay.day)) == ahead
    assert all(o.day != ahead for o in openings.openings())
    page = client.get("/staff/pickup-hours")
    check_page(page.data)
    assert b"Tuesday" in page.data
    assert b"Training" in page.data


def test_reminders_go_once_however_often_the_command_runs(app, certificate, owner, slots, staff):
    tomorrow = calendar.local_today() + timedelta(days=1)
    pickup.book_pickup(certificate.permit, owner, factories.choice(tomorrow, slots))
    required = db.session.scalars(
        select(RequiredInspection).where(RequiredInspection.permit_id == certificate.permit_id)
    ).first()
    db.session.add(
        InspectionRequest(
            permit_id=certificate.permit_id,
            required_inspection_id=required.id,
            inspection_type_id=required.inspection_type_id,
            status=InspectionStatus.SCHEDULED,
            requested_by_id=owner.id,
            preferred_date_1=tomorrow,
            window=Window.MORNING,
            scheduled_date=tomorrow,
            scheduled_window=Window.MORNING,
            contact_name="Carla Site",
            contact_phone="312-555-0199",
        )
    )
    db.session.commit()

    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "1 pickup(s), 1 inspection(s)" in first.output
    second = runner.invoke(args=["reminders", "send"])
    assert "0 pickup(s), 0 inspection(s)" in second.output
    reminders = db.session.execute(
        select(OutboxMessage.subject, OutboxMessage.to_address).where(
            OutboxMessage.subject.startswith("Reminder")
        )
    ).all()
    pickups = sorted(to for subject, to in reminders if "pick up certificate" in subject)
    inspection = sorted(to for subject, to in reminders if "inspection tomorrow" in subject)
    assert pickups == [owner.email]
    assert inspection == sorted([owner.email, "agent@example.com"])
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 2


def test_the_first_counter_hours_are_seeded_once():
    counter_hours.seed_counter()
    counter_hours.seed_counter()
    slots = counter_hours.pickup_slots()
    assert len(slots) == 10
    assert {slot.weekday for slot in slots} == {0, 1, 2, 3, 4}
    closed = db.session.scalars(select(ClosedDay)).all()
    assert len(closed) == 1
    assert closed[0].day.weekday() == 4
    assert closed[0].reason == "Day after Thanksgiving"


def test_the_pickup_page_and_emails_give_the_counters_address(
    certificate, owner, owner_client, slots, day
):
    counter = {"counter_address": "City Hall, Room 905\n121 N LaSalle St"}
    db.session.add(ContactDetails(**{**CONTACT_DEFAULTS, **counter}))
    db.session.commit()
    address = "City Hall, Room 905, 121 N LaSalle St"
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate/pickup")
    assert f"The counter is at {address}." in page.get_data(as_text=True)
    owner_client.post(
        f"/permits/{certificate.permit_id}/certificate/pickup",
        data={"opening": factories.choice(day, slots)},
    )
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Pickup booked"))
    )
    assert f"The counter is at {address}." in message.body_text
    ics = stored_text(message.attachments[0]["sha256"])
    assert "121 N LaSalle St" in ics.replace("\n ", "")
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    assert f"The counter is at {address}." in page.get_data(as_text=True)


def test_pickup_times_are_grouped_by_day_a_day_first_then_its_times(
    certificate, owner_client, slots, day
):
    path = f"/permits/{certificate.permit_id}/certificate/pickup"
    days_page = owner_client.get(path)
    check_page(days_page.data)
    assert b"Choose a day" in days_page.data
    # Only days are offered at first: no time to choose yet.
    assert b'type="radio"' not in days_page.data
    assert b"1 time free" in days_page.data
    times_page = owner_client.get(f"{path}?day={day.isoformat()}")
    check_page(times_page.data)
    assert times_page.data.count(b'type="radio"') == 1
    assert b"10:00 AM to 11:00 AM" in times_page.data
    # A day with no free time, or no date at all, goes back to the list of days.
    for wrong in ("2001-01-01", "not-a-day"):
        again = owner_client.get(f"{path}?day={wrong}")
        assert again.status_code == 200
        assert b"Choose a day" in again.data


def test_booking_without_a_time_keeps_the_day_and_says_what_is_missing(
    certificate, owner_client, slots, day
):
    path = f"/permits/{certificate.permit_id}/certificate/pickup"
    response = owner_client.post(f"{path}?day={day.isoformat()}", data={})
    check_page(response.data)
    assert b"Choose a time to pick up the certificate" in response.data
    assert factories.choice(day, slots).encode() in response.data
