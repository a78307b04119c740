"""The staff record page: everything about one permit, in sections, with links to act.

The page only reads. Each section links to the staff page that owns the action (review,
schedule, record a result, waive, refund, issue, correct), so no workflow rule lives here.
It runs the same number of queries however many records the permit has: one query per
kind of record, children eager-loaded, the timeline and the audit entries limited (the
latest few; every entry about the permit and its records is on its own page, paged).
"""

from dataclasses import dataclass

from flask import abort, current_app, render_template
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import staff
from portal.admin.audit import cursor, entries_page
from portal.admin.routes import bp
from portal.applications.models import ISSUABLE_STATES, REVIEW_QUEUE_STATES, CofOApplication
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.certificates.models import Certificate, PickupAppointment
from portal.extensions import db
from portal.inspections.catalogue import required_inspections
from portal.inspections.models import InspectionRequest, InspectionStatus, RequiredInspection
from portal.payments.models import Fee, Payment
from portal.payments.services import fees_for_permit, payments_for_permit, receipts_by_fee
from portal.permits.models import Invitation, Permit
from portal.timeline import TimelineEntry

TIMELINE_LIMIT = 50
# The record shows the latest few audit entries; the rest are on the permit's audit page.
AUDIT_LIMIT = 5
# The records under a permit whose audit entries are about the permit too.
_UNDER_PERMIT = (
    Invitation,
    CofOApplication,
    RequiredInspection,
    InspectionRequest,
    Fee,
    Payment,
    Certificate,
    PickupAppointment,
)

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


def about_permit(permit_id: int) -> ColumnElement[bool]:
    """The audit entries about the permit or any record under it (its applications,
    inspections, fees, payments, certificates, pickups, invitations)."""
    return or_(
        and_(AuditEvent.record_type == "Permit", AuditEvent.record_id == permit_id),
        *(
            and_(
                AuditEvent.record_type == model.__name__,
                AuditEvent.record_id.in_(select(model.id).where(model.permit_id == permit_id)),
            )
            for model in _UNDER_PERMIT
        ),
    )


def _audit_query(permit_id: int):
    return (
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(about_permit(permit_id))
    )


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
    audit_rows, audit_more = _limited(
        _audit_query(permit.id).order_by(AuditEvent.id.desc()), AUDIT_LIMIT
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
        audit=[(entry, actor) for entry, actor in audit_rows],
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


@bp.get("/permits/<int:permit_id>/audit")
@staff
def permit_audit(permit_id: int):
    """Every audit entry about the permit and its records, newest first, a page at a time."""
    permit = db.session.get(Permit, permit_id)
    if permit is None:
        abort(404)
    page = entries_page(
        _audit_query(permit.id),
        before=cursor("before"),
        after=cursor("after"),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template("admin/permit_audit.html", permit=permit, page=page)
