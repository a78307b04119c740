"""A reminder is claimed once per record and day, so a repeated run sends nothing twice."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import ReminderSent
from portal.notifications.reminders import claim_reminder


def test_a_reminder_is_claimed_once_per_record_kind_and_day(app):
    day = date(2026, 9, 15)
    assert claim_reminder("pickup", 7, day)
    assert not claim_reminder("pickup", 7, day)
    # Another kind, record or day is another reminder.
    assert claim_reminder("inspection", 7, day)
    assert claim_reminder("pickup", 8, day)
    assert claim_reminder("pickup", 7, date(2026, 9, 16))
    db.session.commit()
    assert not claim_reminder("pickup", 7, day)
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 4


# SQLite's driver opens no transaction before a savepoint, so there a first claim is
# committed when its savepoint is released.
@pytest.mark.postgres_only
def test_a_claim_is_written_by_the_callers_commit_or_not_at_all(app):
    day = date(2026, 9, 15)
    assert claim_reminder("pickup", 7, day)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 0
    assert claim_reminder("pickup", 7, day)
