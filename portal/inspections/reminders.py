"""Reminder emails for tomorrow's scheduled inspections."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.inspections.models import InspectionRequest, InspectionStatus
from portal.inspections.notices import people_to_notify
from portal.notifications.reminders import claim_reminder
from portal.notifications.services import email_link, queue_email


def send_inspection_reminders(today: date | None = None) -> int:
    """Email the people on each inspection scheduled for tomorrow, once each however often
    this runs: a reminder's claim is written with its email, in one commit. Returns how
    many inspections were reminded."""
    tomorrow = (today or calendar.local_today()) + timedelta(days=1)
    reminded = 0
    for request in db.session.scalars(
        select(InspectionRequest)
        .where(
            InspectionRequest.scheduled_date == tomorrow,
            InspectionRequest.status == InspectionStatus.SCHEDULED,
        )
        .order_by(InspectionRequest.id)
    ).all():
        if not claim_reminder("inspection", request.id, tomorrow):
            continue
        reminded += 1
        for email in people_to_notify(request):
            queue_email(
                email,
                _l(
                    "Reminder: %(name)s inspection tomorrow, permit %(num)s",
                    name=request.inspection_type.name,
                    num=request.permit.permit_num,
                ),
                # The template kept its name from when the certificates feature sent these.
                "certificates_inspection_reminder",
                inspection=request,
                permit=request.permit,
                window=request.visit_window.label,
                link=email_link(
                    "inspections.detail", permit_id=request.permit_id, request_id=request.id
                ),
            )
    db.session.commit()
    return reminded
