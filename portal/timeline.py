"""The permit timeline the applicant reads: every event with its time and who acted.

Entries store an event code and plain parameters; the words come from EVENT_TEXT
at display time, so they follow the reader's language. So do the parameters that are words
or dates: a label (a lazy translation) is stored in English and translated when shown, a
day and a pickup's hours are stored as ISO values and written the reader's way.
"""

from datetime import date, datetime, time
from typing import Any, Protocol

from flask import has_request_context
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import languages
from portal.extensions import db
from portal.models import Base, utcnow

# The keys of an entry's params that say how to show the others (see _stored).
LABELS, DAYS, HOURS = "_labels", "_days", "_hours"

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
    "document.replaced": _l("Document replaced: {previous}, new version {filename}"),
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
    "certificate.issued_partial": _l(
        "Partial Certificate of Occupancy {number} issued for {portion}"
    ),
    "certificate.issued_temporary": _l(
        "Temporary Certificate of Occupancy {number} issued for {portion}, valid until {expires}"
    ),
    "certificate.superseded": _l("Certificate {number} superseded by final certificate {final}"),
    "certificate.extended": _l("Temporary certificate {number} extended to {expires}"),
    "certificate.resent": _l("Certificate {number} emailed again to {recipients}"),
    "occupancy.requested_partial": _l("Partial occupancy requested: {portion} from {date}"),
    "occupancy.requested_temporary": _l("Temporary occupancy requested: {portion} from {date}"),
    "occupancy.requested_extension": _l(
        "Extension of temporary certificate {number} to {date} requested"
    ),
    "occupancy.requested_optional": _l(
        "Certificate of Occupancy requested before work begins (optional for this project)"
    ),
    "occupancy.accepted": _l("Request accepted: {kind}"),
    "occupancy.refused": _l("Request refused: {kind}. Reason: {reason}"),
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


class _EntryColumns(Protocol):
    @property
    def event(self) -> str: ...
    @property
    def params(self) -> dict: ...
    @property
    def by_department(self) -> bool: ...
    @property
    def actor_name(self) -> str | None: ...


class EntryFacts:
    """An entry's words and who it shows as acting: shared by the model and by the
    column-only rows the permit page and the staff record read (permits.services)."""

    @property
    def text(self: _EntryColumns) -> str:
        template = EVENT_TEXT.get(self.event)
        if template is None:
            return self.event
        return str(template).format(**_shown(self.params or {}))

    @property
    def actor_label(self: _EntryColumns) -> str:
        if self.by_department or self.actor_name is None:
            return _("The department")
        return self.actor_name


class TimelineEntry(EntryFacts, Base):
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
    def actor_name(self) -> str | None:
        return self.actor.name if self.actor else None


def add(permit, event: str, *, actor=None, **params) -> TimelineEntry:
    """Queue a timeline entry in the caller's transaction."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = TimelineEntry(
        permit_id=permit.id,
        event=event,
        params=_stored(params),
        actor_id=getattr(actor, "id", None),
        by_department=bool(actor is None or getattr(actor, "is_staff", False)),
    )
    db.session.add(entry)
    return entry


def _stored(params: dict[str, Any]) -> dict[str, Any]:
    """Plain strings, and what needs the reader's language kept as English or ISO values."""
    stored: dict[str, Any] = {}
    labels, days, hours = [], [], {}
    for key, value in params.items():
        if isinstance(value, LazyString):
            # English is the catalog's source language: the English text is the msgid.
            with languages.rendering_in(languages.DEFAULT):
                stored[key] = str(value)
            labels.append(key)
        elif isinstance(value, languages.Hours):
            hours[key] = [value.day.isoformat(), value.start.isoformat(), value.end.isoformat()]
        elif isinstance(value, date):
            stored[key] = value.isoformat()
            days.append(key)
        else:
            stored[key] = str(value)
    for name, kept in ((LABELS, labels), (DAYS, days), (HOURS, hours)):
        if kept:
            stored[name] = kept
    return stored


def _shown(params: dict[str, Any]) -> dict[str, str]:
    """The parameters in the reader's language (entries written before this were stored
    as plain strings, and are shown as they are)."""
    shown = {key: value for key, value in params.items() if key not in (LABELS, DAYS, HOURS)}
    for key in params.get(LABELS, ()):
        shown[key] = _(shown[key])
    for key in params.get(DAYS, ()):
        shown[key] = languages.weekday_date(date.fromisoformat(shown[key]))
    for key, (day, start, end) in params.get(HOURS, {}).items():
        shown[key] = str(
            languages.Hours(
                date.fromisoformat(day), time.fromisoformat(start), time.fromisoformat(end)
            )
        )
    return shown
