"""Reminder emails for tomorrow's pickups at the counter."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import calendar
from portal.certificates.models import PickupAppointment, PickupStatus
from portal.certificates.pickup import counter_address_line, pickup_recipients, pickup_time
from portal.extensions import db
from portal.notifications.reminders import claim_reminder
from portal.notifications.services import email_link, queue_email


def send_pickup_reminders(today: date | None = None) -> int:
    """Email everyone with a pickup booked for tomorrow, once each however often this runs:
    a reminder's claim is written with its email, in one commit. Returns how many pickups
    were reminded."""
    tomorrow = (today or calendar.local_today()) + timedelta(days=1)
    reminded = 0
    for appointment in db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.day == tomorrow, PickupAppointment.status == PickupStatus.BOOKED)
        .order_by(PickupAppointment.id)
    ).all():
        if not claim_reminder("pickup", appointment.id, tomorrow):
            continue
        reminded += 1
        for email in pickup_recipients(appointment):
            queue_email(
                email,
                _l(
                    "Reminder: pick up certificate %(number)s tomorrow",
                    number=appointment.certificate.number,
                ),
                "certificates_pickup_reminder",
                appointment=appointment,
                permit=appointment.permit,
                when=pickup_time(appointment),
                counter_address=counter_address_line(),
                link=email_link("certificates.certificate", permit_id=appointment.permit_id),
            )
    db.session.commit()
    return reminded
