"""Who hears about an inspection, the email they get, and the calendar invitation it carries."""

from sqlalchemy import select

from portal.documents.store import save_bytes
from portal.extensions import db
from portal.inspections import ics
from portal.inspections.models import InspectionRequest
from portal.notifications.services import email_link, queue_email
from portal.permits.models import PartyRole, PermitParty


def people_to_notify(inspection_request: InspectionRequest) -> list[str]:
    """The requester, then the owner and agents: the people who act on the inspection."""
    emails = []
    if inspection_request.requested_by and not inspection_request.requested_by.is_staff:
        emails.append(inspection_request.requested_by.email)
    parties = db.session.scalars(
        select(PermitParty).where(
            PermitParty.permit_id == inspection_request.permit_id,
            PermitParty.role.in_((PartyRole.OWNER, PartyRole.AGENT)),
        )
    ).all()
    for party in parties:
        if party.user.email not in emails:
            emails.append(party.user.email)
    return emails


def email_people(
    inspection_request: InspectionRequest,
    recipients: list[str],
    subject: str,
    template: str,
    **context,
) -> None:
    """Queue ``templates/email/<template>.txt`` to each person (no commit): every inspection
    email names the request and its permit and links to the request's page."""
    permit = inspection_request.permit
    for email in recipients:
        queue_email(
            email,
            subject,
            template,
            inspection=inspection_request,
            permit=permit,
            link=email_link(
                "inspections.detail", permit_id=permit.id, request_id=inspection_request.id
            ),
            **context,
        )


def attach_invitation(
    inspection_request: InspectionRequest, recipients: list[str], cancel: bool
) -> list[dict]:
    data = ics.invitation(inspection_request, recipients, cancel=cancel)
    stored = save_bytes(data, "text/calendar")
    return [
        {
            "filename": "inspection.ics",
            "content_type": "text/calendar",
            "sha256": stored.sha256,
        }
    ]
