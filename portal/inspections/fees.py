"""The fees an inspection draws or releases, always through the payments ledger."""

from sqlalchemy import select

from portal.extensions import db
from portal.inspections.models import InspectionRequest
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeStatus


def reinspection_reason(inspection_request: InspectionRequest, why: str) -> str:
    return (
        f"Reinspection fee ({payments.REINSPECTION_AUTHORITY}): {why} "
        f"({inspection_request.inspection_type.name}, "
        f"{inspection_request.scheduled_date.isoformat()})"
    )


def release_inspection_fee(inspection_request: InspectionRequest, why: str) -> None:
    """A timely cancellation releases the inspection fee the request drew."""
    fees = db.session.scalars(
        select(Fee).where(
            Fee.inspection_request_id == inspection_request.id,
            Fee.kind == FeeKind.INSPECTION,
            Fee.status == FeeStatus.OUTSTANDING,
        )
    ).all()
    for fee in fees:
        payments.record_waiver(fee, why)
