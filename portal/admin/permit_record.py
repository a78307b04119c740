"""The staff record page: everything about one permit, in sections, with links to act.

The page only reads. Each section links to the staff page that owns the action (review,
schedule, record a result, waive, refund, issue, correct), so no workflow rule lives here.
It runs the same number of queries however many records the permit has: one query per
kind of record, children eager-loaded, the timeline and the audit entries limited.
"""

from dataclasses import dataclass

from flask import abort, render_template
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.models import ISSUABLE_STATES, REVIEW_QUEUE_STATES, CofOApplication
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.certificates.models import Certificate, PickupAppointment
from portal.extensions import db
from portal.inspections.catalogue import required_inspections
from portal.inspections.models import InspectionRequest, InspectionStatus
from portal.payments.services import fees_for_permit, payments_for_permit, receipts_by_fee
from portal.permits.models import Invitation, Permit
from portal.timeline import TimelineEntry

TIMELINE_LIMIT = 50
AUDIT_LIMIT = 50
# A permit has tens of records of each kind; the cap keeps the audit query's IN lists
# bounded even for a permit that somehow has thousands.
AUDIT_IDS_PER_KIND = 500

# Inspection states in which the staff scheduling and result pages act.
SCHEDULABLE = {InspectionStatus.REQUESTED, InspectionStatus.SCHEDULED}
RESULT_PENDING = {InspectionStatus.SCHEDULED}


@dataclass
class PermitRecord:
    permit: Permit
    invitations: list[Invitation]
    applications: list[CofOApplication]
    required: list
    requests: list[InspectionRequest]
    fees: list
    payments: list
    receipts: dict
    certificates: list[Certificate]
    pickups: list[PickupAppointment]
    timeline: list[TimelineEntry]
    timeline_more: bool
    audit: list[tuple[AuditEvent, User | None]]
    audit_more: bool

    @property
    def application(self) -> CofOApplication | None:
        """The newest application: the one the department is working on, or the last."""
        return self.applications[0] if self.applications else None

    @property
    def open_invitations(self) -> list[Invitation]:
        return [invitation for invitation in self.invitations if invitation.is_open]

    def certificate_for(self, application: CofOApplication) -> Certificate | None:
        return next((c for c in self.certificates if c.application_id == application.id), None)

    def can_review(self, application: CofOApplication) -> bool:
        return application.status in REVIEW_QUEUE_STATES

    def can_issue(self, application: CofOApplication) -> bool:
        return application.status in ISSUABLE_STATES and self.certificate_for(application) is None


def _limited(query, limit: int) -> tuple[list, bool]:
    rows = list(db.session.execute(query.limit(limit + 1)).unique().all())
    return rows[:limit], len(rows) > limit


def _audit_entries(ids_by_type: dict[str, list[int]]) -> tuple[list, bool]:
    conditions = [
        and_(
            AuditEvent.record_type == record_type,
            AuditEvent.record_id.in_(ids[:AUDIT_IDS_PER_KIND]),
        )
        for record_type, ids in ids_by_type.items()
        if ids
    ]
    rows, more = _limited(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*conditions))
        .order_by(AuditEvent.id.desc()),
        AUDIT_LIMIT,
    )
    return [(entry, actor) for entry, actor in rows], more


def load_record(permit_id: int) -> PermitRecord | None:
    """Long because the record page shows every feature's rows for the permit, each loaded by its
    own fixed query (the page's query count does not grow with the data)."""
    permit = db.session.get(Permit, permit_id, options=[selectinload(Permit.parties)])
    if permit is None:
        return None
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.permit_id == permit.id).order_by(Invitation.id.desc())
    ).all()
    applications = db.session.scalars(
        select(CofOApplication)
        .where(CofOApplication.permit_id == permit.id)
        .options(selectinload(CofOApplication.contacts), selectinload(CofOApplication.documents))
        .order_by(CofOApplication.id.desc())
    ).all()
    required = required_inspections(permit.id, include_removed=True)
    requests = db.session.scalars(
        select(InspectionRequest)
        .where(InspectionRequest.permit_id == permit.id)
        .options(
            joinedload(InspectionRequest.inspection_type),
            joinedload(InspectionRequest.inspector),
            selectinload(InspectionRequest.deficiencies),
        )
        .order_by(InspectionRequest.id.desc())
    ).all()
    fees = fees_for_permit(permit.id)
    payments = payments_for_permit(permit.id)
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.permit_id == permit.id)
        .options(selectinload(Certificate.versions))
        .order_by(Certificate.id.desc())
    ).all()
    pickups = db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.permit_id == permit.id)
        .order_by(PickupAppointment.starts_at.desc(), PickupAppointment.id.desc())
    ).all()
    timeline_rows, timeline_more = _limited(
        select(TimelineEntry)
        .where(TimelineEntry.permit_id == permit.id)
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc()),
        TIMELINE_LIMIT,
    )
    audit, audit_more = _audit_entries(
        {
            "Permit": [permit.id],
            "Invitation": [i.id for i in invitations],
            "CofOApplication": [a.id for a in applications],
            "RequiredInspection": [r.id for r in required],
            "InspectionRequest": [r.id for r in requests],
            "Fee": [f.id for f in fees],
            "Payment": [p.id for p in payments],
            "Certificate": [c.id for c in certificates],
            "PickupAppointment": [p.id for p in pickups],
        }
    )
    return PermitRecord(
        permit=permit,
        invitations=list(invitations),
        applications=list(applications),
        required=list(required),
        requests=list(requests),
        fees=list(fees),
        payments=list(payments),
        receipts=receipts_by_fee(payments),
        certificates=list(certificates),
        pickups=list(pickups),
        timeline=[entry for (entry,) in timeline_rows],
        timeline_more=timeline_more,
        audit=audit,
        audit_more=audit_more,
    )


@bp.get("/permits/<int:permit_id>")
@staff
def permit_record(permit_id: int):
    record = load_record(permit_id)
    if record is None:
        abort(404)
    return render_template(
        "admin/permit_record.html",
        record=record,
        permit=record.permit,
        schedulable=SCHEDULABLE,
        result_pending=RESULT_PENDING,
    )
