"""Reminder emails for tomorrow's pickups and inspections, each sent once."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.certificates.models import PickupAppointment, PickupStatus, ReminderSent
from portal.certificates.pickup import pickup_recipients, pickup_time
from portal.extensions import db
from portal.inspections import calendar
from portal.inspections import services as inspection_services
from portal.inspections.models import InspectionRequest, InspectionStatus
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email


def _mark_sent(kind: str, record_id: int, day: date) -> bool:
    """Claim a reminder; False when it was already sent (by this run or another)."""
    exists = db.session.scalar(
        select(ReminderSent.id).where(
            ReminderSent.kind == kind,
            ReminderSent.record_id == record_id,
            ReminderSent.for_day == day,
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ReminderSent(kind=kind, record_id=record_id, for_day=day, sent_at=utcnow())
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class ReminderCount:
    pickups: int
    inspections: int


def send_reminders(today: date | None = None) -> ReminderCount:
    """Email tomorrow's pickups and inspections, once each however often this runs: a
    reminder's row in reminders_sent is written with its email, in one commit."""
    tomorrow = (today or calendar.local_today()) + timedelta(days=1)
    pickups = 0
    for appointment in db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.day == tomorrow, PickupAppointment.status == PickupStatus.BOOKED)
        .order_by(PickupAppointment.id)
    ).all():
        if not _mark_sent("pickup", appointment.id, tomorrow):
            continue
        pickups += 1
        for email in pickup_recipients(appointment):
            queue_email(
                email,
                _(
                    "Reminder: pick up certificate %(number)s tomorrow",
                    number=appointment.certificate.number,
                ),
                "certificates_pickup_reminder",
                appointment=appointment,
                permit=appointment.permit,
                when=pickup_time(appointment),
                link=email_link("certificates.certificate", permit_id=appointment.permit_id),
            )
    inspections = 0
    for request in db.session.scalars(
        select(InspectionRequest)
        .where(
            InspectionRequest.scheduled_date == tomorrow,
            InspectionRequest.status == InspectionStatus.SCHEDULED,
        )
        .order_by(InspectionRequest.id)
    ).all():
        if not _mark_sent("inspection", request.id, tomorrow):
            continue
        inspections += 1
        for email in inspection_services.people_to_notify(request):
            queue_email(
                email,
                _(
                    "Reminder: %(name)s inspection tomorrow, permit %(num)s",
                    name=request.inspection_type.name,
                    num=request.permit.permit_num,
                ),
                "certificates_inspection_reminder",
                inspection=request,
                permit=request.permit,
                window=request.scheduled_window.label,
                link=email_link(
                    "inspections.detail", permit_id=request.permit_id, request_id=request.id
                ),
            )
    db.session.commit()
    return ReminderCount(pickups, inspections)
