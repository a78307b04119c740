"""The conventions turned into code: a transition table moves a record, one call records an
event's audit entry, timeline entry and emails."""

import pytest

from portal import events
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.audit import AuditEvent
from portal.errors import IllegalTransition
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeline import TimelineEntry
from tests.factories import make_application, make_permit, make_user

S = ApplicationStatus


def test_move_checks_the_table_then_sets_the_status(app):
    with app.app_context():
        permit = make_permit()
        application = make_application(permit, make_user(), S.SUBMITTED)

        left = APPLICATION_TRANSITIONS.move(application, S.UNDER_REVIEW)

        assert left == S.SUBMITTED
        assert application.status == S.UNDER_REVIEW


def test_move_refuses_a_move_the_table_does_not_allow_and_changes_nothing(app):
    with app.app_context():
        application = make_application(make_permit(), make_user(), S.DRAFT)

        with pytest.raises(IllegalTransition):
            APPLICATION_TRANSITIONS.move(application, S.COFO_ISSUED)

        assert application.status == S.DRAFT


def test_happened_writes_the_audit_entry_the_timeline_entry_and_the_emails(app):
    with app.test_request_context():
        owner = make_user()
        permit = make_permit()
        application = make_application(permit, owner, S.DRAFT)

        events.happened(
            "application.started",
            application,
            actor=owner,
            on=permit,
            emails=events.emails_to(
                ["a@example.com", "b@example.com"],
                "Started",
                "application_submitted",
                user=owner,
                application=application,
                permit=permit,
                link="http://example.test/",
            ),
            permit=permit.permit_num,
        )
        db.session.commit()

        audit = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "application.started")
        ).one()
        assert audit.record_id == application.id
        assert audit.details == {"permit": permit.permit_num}
        entry = db.session.scalars(
            db.select(TimelineEntry).where(TimelineEntry.permit_id == permit.id)
        ).one()
        assert entry.event == "application.started"
        assert entry.actor_id == owner.id
        sent = db.session.scalars(db.select(OutboxMessage.to_address)).all()
        assert sorted(sent) == ["a@example.com", "b@example.com"]


def test_happened_without_a_permit_writes_only_the_audit_entry(app):
    with app.test_request_context():
        staff = make_user()
        permit = make_permit()

        events.happened("permit.access_code_rotated", permit, actor=staff)
        db.session.commit()

        assert db.session.scalar(db.select(db.func.count(TimelineEntry.id))) == 0
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 1


def test_happened_refuses_a_timeline_event_without_words(app):
    with app.test_request_context():
        permit = make_permit()

        with pytest.raises(ValueError, match="no words"):
            events.happened("permit.access_code_rotated", permit, actor=make_user(), on=permit)
