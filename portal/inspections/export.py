"""Inspections as a BLDS CSV (the Optional Inspections Dataset), written row by row so a large
export never sits in memory.

Only inspections with a result are exported: ResultMapped is required and must be one of
BLDS's results, and "requested" or "scheduled" is not a result. A pending request appears
once it has one, and a request cancelled before it was ever scheduled, which has neither a
ScheduledDate nor an InspectedDate (one of the two is required), is not an inspection.
InspTypeMapped is the catalogue's Appendix A value; Final says whether the catalogue counts
the type as a final inspection (its final and Certificate of Occupancy stages). ResultMapped
comes from the status through models.RESULT_MAPPED, one row per result state.
"""

from collections.abc import Iterator

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from portal.auth.models import User
from portal.calendar import department_zone
from portal.csv_export import iso_date, stream_rows
from portal.inspections.models import (
    RESULT_MAPPED,
    RESULT_STATES,
    InspectionRequest,
    InspectionStage,
    InspectionStatus,
    InspectionType,
)
from portal.permits.models import Permit

COLUMNS = (
    "PermitNum",
    "InspType",
    "InspTypeMapped",
    "Result",
    "ResultMapped",
    "ScheduledDate",
    "InspectedDate",
    "InspectionNotes",
    "Final",
    "RequestDate",
    "DesiredDate",
    "ReInspection",
    "Inspector",
)

IS = InspectionStatus
# BLDS ReInspection is "whether a reinspection is needed": after these results the work must
# be inspected again (the portal's own reinspection flag, "this visit is a reinspection",
# is a different fact and stays out of the column).
NEEDS_REINSPECTION = {IS.FAILED, IS.NO_ACCESS, IS.PARTIAL}
FINAL_STAGES = {InspectionStage.FINAL, InspectionStage.COFO}


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def blds_rows() -> Iterator[str]:
    """The header, then one line per inspection with a result, oldest first, in batches."""
    zone = department_zone()
    return stream_rows(COLUMNS, _query(), lambda row: _values(row, zone))


def _query() -> Select:
    inspector = aliased(User)
    return (
        select(
            Permit.permit_num,
            InspectionType.name,
            InspectionType.blds_type_mapped,
            InspectionType.stage,
            InspectionRequest.status,
            InspectionRequest.result,
            InspectionRequest.scheduled_date,
            InspectionRequest.inspected_at,
            InspectionRequest.requested_at,
            InspectionRequest.preferred_date_1,
            inspector.name,
            InspectionRequest.remarks,
        )
        .join(Permit, Permit.id == InspectionRequest.permit_id)
        .join(InspectionType, InspectionType.id == InspectionRequest.inspection_type_id)
        .outerjoin(inspector, inspector.id == InspectionRequest.inspector_id)
        .where(
            InspectionRequest.status.in_(RESULT_STATES),
            or_(
                InspectionRequest.scheduled_date.is_not(None),
                InspectionRequest.inspected_at.is_not(None),
            ),
        )
        .order_by(InspectionRequest.id)
    )


def _values(row, zone) -> tuple:
    def local_date(moment):
        return moment.astimezone(zone).date() if moment else None

    (
        num,
        type_name,
        mapped,
        stage,
        status,
        result,
        scheduled,
        inspected,
        requested,
        desired,
        inspector_name,
        remarks,
    ) = row
    return (
        num,
        type_name,
        mapped,
        str(result.label) if result else str(InspectionStatus(status).label),
        RESULT_MAPPED[InspectionStatus(status)],
        iso_date(scheduled),
        iso_date(local_date(inspected)),
        remarks,
        _yes_no(stage in FINAL_STAGES),
        iso_date(local_date(requested)),
        iso_date(desired),
        _yes_no(InspectionStatus(status) in NEEDS_REINSPECTION),
        inspector_name or "",
    )
