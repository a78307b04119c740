"""The fees an inspection draws or releases, always through the payments ledger (the
caller's transaction; the caller commits)."""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.inspections.models import InspectionRequest
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeStatus


def charge_inspection_fee(inspection_request: InspectionRequest, actor) -> None:
    """An inspection type with a fee charges it when the inspection is requested."""
    inspection_type = inspection_request.inspection_type
    if inspection_type.fee_cents:
        payments.assess_fee(
            inspection_request.permit,
            FeeKind.INSPECTION,
            amount_cents=inspection_type.fee_cents,
            reason=f"{inspection_type.name} inspection",
            actor=actor,
            inspection_request=inspection_request,
        )


def charge_reinspection_fee(inspection_request: InspectionRequest, why: str, on: date) -> None:
    """A late cancellation or a visit the inspector could not make (14A-5-501.4) draws the
    reinspection fee of the schedule in force on ``on``; its reason names the visit."""
    payments.assess_fee(
        inspection_request.permit,
        FeeKind.REINSPECTION,
        on=on,
        reason=(
            f"Reinspection fee ({payments.REINSPECTION_AUTHORITY}): {why} "
            f"({inspection_request.inspection_type.name}, "
            f"{inspection_request.visit_date.isoformat()})"
        ),
        inspection_request=inspection_request,
    )


def release_inspection_fee(inspection_request: InspectionRequest, why: str) -> None:
    """A timely cancellation waives the inspection fee the request drew, if still unpaid."""
    fees = db.session.scalars(
        select(Fee).where(
            Fee.inspection_request_id == inspection_request.id,
            Fee.kind == FeeKind.INSPECTION,
            Fee.status == FeeStatus.OUTSTANDING,
        )
    ).all()
    for fee in fees:
        payments.record_waiver(fee, why)
