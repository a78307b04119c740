"""Inspections as a BLDS CSV, written row by row so a large export never sits in memory."""

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.auth.models import User
from portal.calendar import department_zone
from portal.csv_export import iso_date, stream_rows
from portal.inspections.models import (
    RESULT_MAPPED,
    InspectionRequest,
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
    "RequestDate",
    "DesiredDate",
    "ReInspection",
    "Inspector",
    "InspectionNotes",
)


def blds_rows() -> Iterator[str]:
    """The header, then one line per inspection request, oldest first, fetched in batches."""
    inspector = aliased(User)
    query = (
        select(
            Permit.permit_num,
            InspectionType.name,
            InspectionType.blds_type_mapped,
            InspectionRequest.status,
            InspectionRequest.result,
            InspectionRequest.scheduled_date,
            InspectionRequest.inspected_at,
            InspectionRequest.requested_at,
            InspectionRequest.preferred_date_1,
            InspectionRequest.reinspection,
            inspector.name,
            InspectionRequest.remarks,
        )
        .join(Permit, Permit.id == InspectionRequest.permit_id)
        .join(InspectionType, InspectionType.id == InspectionRequest.inspection_type_id)
        .outerjoin(inspector, inspector.id == InspectionRequest.inspector_id)
        .order_by(InspectionRequest.id)
    )
    zone = department_zone()

    def local_date(moment):
        return moment.astimezone(zone).date() if moment else None

    def values(row) -> tuple:
        (
            num,
            type_name,
            mapped,
            status,
            result,
            scheduled,
            inspected,
            requested,
            desired,
            reinspection,
            inspector_name,
            remarks,
        ) = row
        return (
            num,
            type_name,
            mapped,
            str(result.label) if result else str(InspectionStatus(status).label),
            RESULT_MAPPED.get(status, ""),
            iso_date(scheduled),
            iso_date(local_date(inspected)),
            iso_date(local_date(requested)),
            iso_date(desired),
            "Y" if reinspection else "N",
            inspector_name or "",
            remarks,
        )

    return stream_rows(COLUMNS, query, values)
