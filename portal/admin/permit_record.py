"""The staff record page: everything about one permit, in sections, with links to act.

The page only reads. Each section links to the staff page that owns the action (review,
schedule, record a result, waive, refund, issue, correct), so no workflow rule lives here.
It runs the same number of queries however many records the permit has: one query per
kind of record, children joined into it, the timeline and the audit entries limited (the
latest few; every entry about the permit and its records is on its own page, paged).
Sections read only the columns they show (issue 17), from statements built once.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort, current_app, render_template
from sqlalchemy import BindParameter, ColumnElement, Row, and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from portal import reads
from portal.access import staff
from portal.admin.audit import cursor, entries_page
from portal.admin.routes import bp
from portal.applications.models import ISSUABLE_STATES, REVIEW_QUEUE_STATES, CofOApplication
from portal.applications.record import AnswersLine, permit_applications
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.certificates.models import Certificate, CertificateVersion, PickupAppointment
from portal.extensions import db
from portal.inspections.models import (
    Deficiency,
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    InspectionType,
    RequiredInspection,
    VisitFacts,
    Window,
)
from portal.payments.models import Fee, Payment, PaymentFee
from portal.permits.models import Invitation, Permit
from portal.permits.services import (
    InvitationLine,
    PartyLine,
    TimelineLine,
    latest_timeline,
    open_invitation_lines,
    party_lines,
)

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


@dataclass(frozen=True)
class RequestLine(VisitFacts):
    """An inspection request as the record lists it (VisitFacts reads its state)."""

    id: int
    reinspection: bool
    status: InspectionStatus
    result: InspectionResult | None
    remarks: str
    requested_at: datetime
    scheduled_date: date | None
    scheduled_window: Window | None
    inspected_at: datetime | None
    type_name: str
    inspector_name: str | None
    deficiencies: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateLine:
    id: int
    number: str
    is_revoked: bool
    application_id: int | None
    versions: list[Row] = field(default_factory=list)


@dataclass
class PermitRecord:
    """What the record shows, read as columns (issue 17): rows with the attributes the
    template reads, none of them ORM entities but the permit."""

    permit: Permit
    parties: list[PartyLine]
    open_invitations: list[InvitationLine]
    applications: list[AnswersLine]
    required: list[Row]
    requests: list[RequestLine]
    fees: list[Row]
    payments: list[Row]
    receipts: dict[int, Row]
    certificates: list[CertificateLine]
    pickups: list[Row]
    timeline: list[TimelineLine]
    timeline_more: bool
    audit: list[Row]
    audit_more: bool

    @property
    def application(self) -> AnswersLine | None:
        """The newest application: the one the department is working on, or the last."""
        return self.applications[0] if self.applications else None

    def certificate_for(self, application: AnswersLine) -> CertificateLine | None:
        return next((c for c in self.certificates if c.application_id == application.id), None)

    def can_review(self, application: AnswersLine) -> bool:
        return application.status in REVIEW_QUEUE_STATES

    def can_issue(self, application: AnswersLine) -> bool:
        return application.status in ISSUABLE_STATES and self.certificate_for(application) is None


def about_permit(permit_id: int | BindParameter[int]) -> ColumnElement[bool]:
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


# The record's statements, built once (issue 17: building them was a tenth of the page);
# each reads the columns its section shows, the permit's id a bound parameter.
_PERMIT_ID: BindParameter[int] = bindparam("permit_id")
_REQUIRED = (
    select(
        InspectionType.name,
        InspectionType.stage,
        RequiredInspection.removed_at,
        RequiredInspection.removed_reason,
        RequiredInspection.passed_at,
    )
    .join(InspectionType, InspectionType.id == RequiredInspection.inspection_type_id)
    .where(RequiredInspection.permit_id == _PERMIT_ID)
    .order_by(InspectionType.sort_order, InspectionType.id)
)
_Inspector = aliased(User)
# A row per deficiency (or one for a request with none), newest request first.
_REQUESTS = (
    select(
        InspectionRequest.id,
        InspectionRequest.reinspection,
        InspectionRequest.status,
        InspectionRequest.result,
        InspectionRequest.remarks,
        InspectionRequest.requested_at,
        InspectionRequest.scheduled_date,
        InspectionRequest.scheduled_window,
        InspectionRequest.inspected_at,
        InspectionType.name,
        _Inspector.name.label("inspector_name"),
        Deficiency.id.label("deficiency_id"),
        Deficiency.description,
        Deficiency.code_section,
        Deficiency.location,
    )
    .join(InspectionType, InspectionType.id == InspectionRequest.inspection_type_id)
    .outerjoin(_Inspector, _Inspector.id == InspectionRequest.inspector_id)
    .outerjoin(Deficiency, Deficiency.inspection_request_id == InspectionRequest.id)
    .where(InspectionRequest.permit_id == _PERMIT_ID)
    .order_by(InspectionRequest.id.desc(), Deficiency.id)
)
_FEES = (
    select(
        Fee.id,
        Fee.kind,
        Fee.amount_cents,
        Fee.status,
        Fee.reason,
        Fee.waiver_reason,
        Fee.assessed_at,
    )
    .where(Fee.permit_id == _PERMIT_ID)
    .order_by(Fee.assessed_at.desc(), Fee.id.desc())
)
# A row per fee a payment covers (or one for a payment with none), newest payment first.
_PAYMENTS = (
    select(
        Payment.id,
        Payment.created_at,
        Payment.amount_cents,
        Payment.status,
        Payment.refund_reason,
        Payment.method,
        Payment.receipt_number,
        Payment.succeeded_at,
        PaymentFee.fee_id,
    )
    .outerjoin(PaymentFee, PaymentFee.payment_id == Payment.id)
    .where(Payment.permit_id == _PERMIT_ID)
    .order_by(Payment.created_at.desc(), Payment.id.desc(), PaymentFee.id)
)
# A row per version, newest certificate first, each certificate's newest version first.
_CERTIFICATES = (
    select(
        Certificate.id,
        Certificate.number,
        Certificate.revoked_at,
        Certificate.application_id,
        CertificateVersion.id.label("version_id"),
        CertificateVersion.version_number,
        CertificateVersion.status,
        CertificateVersion.granted_date,
        CertificateVersion.correction_reason,
        (CertificateVersion.stored_file_id.is_not(None)).label("pdf_ready"),
    )
    .outerjoin(CertificateVersion, CertificateVersion.certificate_id == Certificate.id)
    .where(Certificate.permit_id == _PERMIT_ID)
    .order_by(Certificate.id.desc(), CertificateVersion.version_number.desc())
)
_PICKUPS = (
    select(
        PickupAppointment.day,
        PickupAppointment.starts_at,
        PickupAppointment.status,
        PickupAppointment.collected_by,
        User.name.label("booked_by"),
    )
    .join(User, User.id == PickupAppointment.booked_by_id)
    .where(PickupAppointment.permit_id == _PERMIT_ID)
    .order_by(PickupAppointment.starts_at.desc(), PickupAppointment.id.desc())
)
_AUDIT = (
    select(
        AuditEvent.created_at,
        AuditEvent.action,
        AuditEvent.record_type,
        AuditEvent.record_id,
        User.name.label("actor_name"),
    )
    .outerjoin(User, User.id == AuditEvent.actor_id)
    .where(about_permit(_PERMIT_ID))
    .order_by(AuditEvent.id.desc())
    .limit(AUDIT_LIMIT + 1)
)


def _rows(statement, permit_id: int) -> list[Row]:
    return list(reads.rows(statement, {"permit_id": permit_id}))


def _requests(permit_id: int) -> list[RequestLine]:
    lines: dict[int, RequestLine] = {}
    for row in _rows(_REQUESTS, permit_id):
        line = lines.get(row.id)
        if line is None:
            line = lines[row.id] = RequestLine(*row[:11])
        if row.deficiency_id is not None:
            line.deficiencies.append(row)
    return list(lines.values())


def _payments(permit_id: int) -> tuple[list[Row], dict[int, Row]]:
    """The payments, and for each fee the payment that paid it (the latest completed one)."""
    payments: dict[int, Row] = {}
    receipts: dict[int, Row] = {}
    rows = _rows(_PAYMENTS, permit_id)
    for row in rows:
        payments.setdefault(row.id, row)
    for row in sorted(rows, key=lambda row: row.id):
        if row.succeeded_at is not None and row.fee_id is not None:
            receipts[row.fee_id] = row
    return list(payments.values()), receipts


def _certificates(permit_id: int) -> list[CertificateLine]:
    lines: dict[int, CertificateLine] = {}
    for row in _rows(_CERTIFICATES, permit_id):
        line = lines.get(row.id)
        if line is None:
            line = lines[row.id] = CertificateLine(
                row.id, row.number, row.revoked_at is not None, row.application_id
            )
        if row.version_id is not None:
            line.versions.append(row)
    return list(lines.values())


def load_record(permit_id: int) -> PermitRecord | None:
    """Every section of the record, each read by its own fixed statement (the page's
    statement count does not grow with the data)."""
    permit = db.session.get(Permit, permit_id)
    if permit is None:
        return None
    payments, receipts = _payments(permit.id)
    timeline, timeline_more = latest_timeline(permit.id, TIMELINE_LIMIT)
    audit = _rows(_AUDIT, permit.id)
    return PermitRecord(
        permit=permit,
        parties=party_lines(permit.id),
        open_invitations=open_invitation_lines(permit.id),
        applications=permit_applications(permit.id),
        required=_rows(_REQUIRED, permit.id),
        requests=_requests(permit.id),
        fees=_rows(_FEES, permit.id),
        payments=payments,
        receipts=receipts,
        certificates=_certificates(permit.id),
        pickups=_rows(_PICKUPS, permit.id),
        timeline=timeline,
        timeline_more=timeline_more,
        audit=audit[:AUDIT_LIMIT],
        audit_more=len(audit) > AUDIT_LIMIT,
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
