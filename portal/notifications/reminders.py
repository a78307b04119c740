"""Reminders go once: each is claimed by a row in reminders_sent before its email is queued."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import utcnow
from portal.notifications.models import ReminderSent


def claim_reminder(kind: str, record_id: int, day: date) -> bool:
    """Claim the reminder of a record (``kind`` says what the record is) for a day; False
    when it was already claimed, by this run or another. The claim is written by the
    caller's commit, with the reminder's email; the unique key settles two runs at once."""
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
