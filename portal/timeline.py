"""The permit timeline the applicant reads: every event with its time and who acted.

Entries store an event code and plain parameters; the words come from EVENT_TEXT
at display time, so they follow the reader's language.
"""

from datetime import datetime

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import Base, utcnow

EVENT_TEXT = {
    "permit.imported": _l("Permit {permit_num} recorded by the department"),
    "permit.claimed": _l("{name} claimed the permit as owner"),
    "party.invited": _l("{email} invited as {role}"),
    "party.invitation_revoked": _l("Invitation to {email} withdrawn"),
    "party.added": _l("{name} added as {role}"),
    "party.removed": _l("{name} removed as {role}"),
    "application.started": _l("Certificate of Occupancy application started"),
    "application.submitted": _l("Application submitted (confirmation {confirmation})"),
    "application.resubmitted": _l("Application resubmitted with the information requested"),
    "application.resubmitted_with_reply": _l("Application resubmitted with a reply: {reply}"),
    "application.review_started": _l("Review started"),
    "application.information_requested": _l("More information requested: {message}"),
    "application.accepted": _l("Application accepted; inspections can be scheduled"),
    "application.rejected": _l("Application rejected: {reason}"),
    "application.not_applicable": _l("Certificate not applicable: {reason}"),
    "application.withdrawn": _l("Application withdrawn"),
    "document.uploaded": _l("Document uploaded: {filename}"),
    "document.removed": _l("Document removed: {filename}"),
    "inspection.required_added": _l("Inspection added to the checklist: {name} ({reason})"),
    "inspection.required_removed": _l("Inspection removed from the checklist: {name} ({reason})"),
    "inspection.requested": _l("{name} inspection requested"),
    "inspection.reschedule_requested": _l("New dates requested for the {name} inspection"),
    "inspection.scheduled": _l("{name} inspection scheduled for {date}, {window}"),
    "inspection.cancelled": _l("{name} inspection cancelled"),
    "inspection.cancelled_late": _l("{name} inspection cancelled after the cut-off"),
    "inspection.result": _l("{name} inspection result: {result}"),
    "inspection.result_withdrawn": _l(
        "{name} inspection result withdrawn ({result}), recorded by mistake: {reason}"
    ),
    "application.inspections_complete": _l("All required inspections passed: Inspections Complete"),
    "fee.assessed": _l("{kind} of {amount} assessed: {reason}"),
    "fee.waived": _l("{kind} of {amount} waived: {reason}"),
    "payment.received": _l("{amount} paid (receipt {receipt})"),
    "payment.refunded": _l("{amount} refunded: {reason}"),
    "certificate.issued": _l("Certificate of Occupancy {number} issued"),
    "certificate.regenerated": _l(
        "Certificate {number} corrected: version {version} replaces version {previous}"
    ),
    "certificate.revoked": _l("Certificate {number} revoked: {reason}"),
    "permit.finaled": _l("Permit finaled"),
    "pickup.booked": _l("Pickup of the certificate booked for {when}"),
    "pickup.rescheduled": _l("Pickup of the certificate moved to {when}"),
    "pickup.cancelled": _l("Pickup of the certificate cancelled"),
    "pickup.cancelled_revoked": _l(
        "Pickup of the certificate on {when} cancelled because certificate {number} was revoked"
    ),
    "pickup.picked_up": _l("Certificate picked up at the counter"),
    "pickup.no_show": _l("Nobody came to pick up the certificate on {when}"),
}


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_permit_created", "permit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Staff appear to the public as "the department", whoever acted.
    by_department: Mapped[bool] = mapped_column(default=False)

    actor = relationship("User", lazy="joined")

    @property
    def text(self) -> str:
        template = EVENT_TEXT.get(self.event)
        if template is None:
            return self.event
        return str(template).format(**(self.params or {}))

    @property
    def actor_label(self) -> str:
        if self.by_department:
            return str(_l("The department"))
        return self.actor.name if self.actor else str(_l("The department"))


def add(permit, event: str, *, actor=None, **params) -> TimelineEntry:
    """Queue a timeline entry in the caller's transaction."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = TimelineEntry(
        permit_id=permit.id,
        event=event,
        params={key: str(value) for key, value in params.items()},
        actor_id=getattr(actor, "id", None),
        by_department=bool(actor is None or getattr(actor, "is_staff", False)),
    )
    db.session.add(entry)
    return entry
