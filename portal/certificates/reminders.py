"""Reminder emails: tomorrow's pickups at the counter, and temporary certificates about to
expire (30 and 7 days before)."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import calendar
from portal.applications.services import applicant_emails
from portal.certificates.models import PickupAppointment, PickupStatus
from portal.certificates.phases import EXPIRY_WINDOW_DAYS, expiring_between
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


# The reminders before a temporary certificate expires, latest first: within 7 days the
# second one is due, within 30 the first. A run that missed the day still sends it later.
# Kinds fit reminders_sent.kind (20 characters); the record is the certificate version.
EXPIRY_REMINDERS = ((7, "expiry_7_days"), (EXPIRY_WINDOW_DAYS, "expiry_30_days"))


def send_expiry_reminders(today: date | None = None) -> int:
    """Email the owner and agents of each temporary certificate expiring within 30 days, and
    again within 7 days, once each however often this runs (claimed per version and expiry
    date, so an extension, a new version, starts the reminders afresh). Returns how many
    certificates were reminded."""
    today = today or calendar.local_today()
    reminded = 0
    for version, certificate in expiring_between(today, today + timedelta(days=EXPIRY_WINDOW_DAYS)):
        expires_on = version.expires_on
        assert expires_on is not None  # expiring_between selects on it
        days_left = (expires_on - today).days
        kind = next(kind for limit, kind in EXPIRY_REMINDERS if days_left <= limit)
        if not claim_reminder(kind, version.id, expires_on):
            continue
        reminded += 1
        permit = certificate.permit
        for email in applicant_emails(permit):
            queue_email(
                email,
                _l(
                    "Temporary certificate %(number)s expires in %(days)s days",
                    number=certificate.number,
                    days=days_left,
                ),
                "certificates_expiry_reminder",
                certificate=certificate,
                version=version,
                permit=permit,
                days=days_left,
                link=email_link("certificates.certificate", permit_id=permit.id),
            )
    db.session.commit()
    return reminded
