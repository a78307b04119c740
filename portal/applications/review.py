"""The department's side of an application: staff review decisions, and the outcomes the
inspections and certificates features report (every inspection passed, the C of O issued).

Staff decisions carry the version the reviewer saw, so the second of two reviewers acting on
the same application is refused instead of overwriting the first. Each decision moves the
status through APPLICATION_TRANSITIONS and records its event once (events.happened): the
audit entry, the permit's timeline entry and the applicant's email.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal import events
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.applications.services import (
    STALE_MESSAGE,
    applicant_emails,
    keep_queue_in_step,
    requirement_for,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link
from portal.workflow import check_version, stale_guard

S = ApplicationStatus


def _applicant_emails(application, subject: str, template: str, **context: Any):
    """The same message to every owner and agent on the permit, linking to the application."""
    return events.emails_to(
        applicant_emails(application.permit),
        subject,
        template,
        application=application,
        permit=application.permit,
        link=email_link("applications.overview", permit_id=application.permit_id),
        **context,
    )


@stale_guard(STALE_MESSAGE)
def _decide(
    application,
    reviewer,
    version,
    target: ApplicationStatus,
    event: str,
    subject,
    template: str,
    message: str = "",
    shown: Mapping | None = None,
    **details: Any,
) -> None:
    check_version(application, version, STALE_MESSAGE)
    APPLICATION_TRANSITIONS.move(application, target)
    keep_queue_in_step(application)
    application.reviewer_id = reviewer.id
    if target != S.UNDER_REVIEW:
        application.decided_at = utcnow()
        application.staff_message = message
    events.happened(
        event,
        application,
        actor=reviewer,
        on=application.permit,
        shown=shown,
        emails=_applicant_emails(application, subject, template, message=message),
        confirmation=application.confirmation_number,
        **({"message": message} if message else {}),
        **details,
    )
    db.session.commit()


def start_review(application, reviewer, version) -> None:
    """Submitted or resubmitted -> under review (optional: staff may decide directly)."""
    _decide(
        application,
        reviewer,
        version,
        S.UNDER_REVIEW,
        "application.review_started",
        _l("Your C of O application %(n)s is under review", n=application.confirmation_number),
        "application_review_started",
    )


def accept(application, reviewer, version) -> None:
    """Accept: the C of O inspections can be scheduled."""
    _decide(
        application,
        reviewer,
        version,
        S.ACCEPTED,
        "application.accepted",
        _l("Your C of O application %(n)s is accepted", n=application.confirmation_number),
        "application_accepted",
    )


def request_information(application, reviewer, version, message: str) -> None:
    """Ask the applicant for more: the application becomes editable until resubmitted."""
    message = (message or "").strip()
    if not message:
        raise DomainError(_l("Enter a message for the applicant"))
    # A reply answers one request: the next request waits for its own (the timeline keeps both).
    application.applicant_reply = ""
    _decide(
        application,
        reviewer,
        version,
        S.INFORMATION_REQUESTED,
        "application.information_requested",
        _l(
            "More information needed for your C of O application %(n)s",
            n=application.confirmation_number,
        ),
        "application_information_requested",
        message=message,
        shown={"message": message},
    )


def reject(application, reviewer, version, reason: str) -> None:
    """Reject with a reason the applicant reads; the permit may start a new application."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason"))
    _decide(
        application,
        reviewer,
        version,
        S.REJECTED,
        "application.rejected",
        _l("Your C of O application %(n)s was rejected", n=application.confirmation_number),
        "application_rejected",
        message=reason,
        shown={"reason": reason},
    )


def mark_not_applicable(application, reviewer, version, reason: str) -> None:
    """The project does not need a certificate (or cannot get one here), with the reason;
    against the requirement rule's verdict the audit entry says so (the page warned)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason"))
    against_rule = requirement_for(application).required
    _decide(
        application,
        reviewer,
        version,
        S.NOT_APPLICABLE,
        "application.not_applicable",
        _l(
            "Your C of O application %(n)s: certificate not applicable",
            n=application.confirmation_number,
        ),
        "application_not_applicable",
        message=reason,
        shown={"reason": reason},
        against_requirement_rule=against_rule,
    )


def inspections_complete(application, actor) -> None:
    """Accepted -> inspections complete, when every required inspection has passed.

    Called by the inspections feature inside its own transaction: no commit here.
    """
    APPLICATION_TRANSITIONS.move(application, S.INSPECTIONS_COMPLETE)
    events.happened(
        "application.inspections_complete",
        application,
        actor=actor,
        on=application.permit,
        emails=_applicant_emails(
            application,
            _l(
                "All inspections passed for permit %(permit)s", permit=application.permit.permit_num
            ),
            "inspections_complete",
        ),
        confirmation=application.confirmation_number,
    )


def certificate_issued(application, actor) -> None:
    """Accepted or inspections complete -> C of O issued.

    Called by the certificates feature inside its issuing transaction: no commit here.
    """
    APPLICATION_TRANSITIONS.move(application, S.COFO_ISSUED)
    application.decided_at = utcnow()
    application.reviewer_id = actor.id
    keep_queue_in_step(application)
    events.happened(
        "application.cofo_issued",
        application,
        actor=actor,
        confirmation=application.confirmation_number,
    )


@dataclass(frozen=True)
class DocumentChanges:
    """What the latest resubmission changed in the documents the one before it carried."""

    added: list
    replaced: list  # (previous version, new version) pairs
    removed: list

    def __bool__(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


def document_changes(application) -> DocumentChanges | None:
    """None before a resubmission (there is nothing to compare with yet)."""
    latest = application.submission_count
    if latest < 2:
        return None
    history = application.document_history
    new = [d for d in history if d.added_in == latest]
    replaced_ids = {d.replaces_id for d in new if d.replaces_id is not None}
    return DocumentChanges(
        added=[d for d in new if d.replaces_id is None],
        replaced=[(d.replaces, d) for d in new if d.replaces_id is not None],
        removed=[d for d in history if d.removed_in == latest and d.id not in replaced_ids],
    )
