"""Inspections as a BLDS CSV, written row by row so a large export never sits in memory."""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.auth.models import User
from portal.extensions import db
from portal.inspections.calendar import department_zone
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
BATCH = 500
# A cell starting with one of these is a formula to a spreadsheet; quote it as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _date(value) -> str:
    return value.isoformat() if value else ""


def _line(values) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return out.getvalue()


def blds_rows() -> Iterator[str]:
    """The header, then one line per inspection request, oldest first, fetched in batches."""
    yield _line(COLUMNS)
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
        .execution_options(yield_per=BATCH)
    )
    zone = department_zone()

    def local_date(moment):
        return moment.astimezone(zone).date() if moment else None

    for row in db.session.execute(query):
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
        yield _line(
            (
                num,
                type_name,
                mapped,
                str(result.label) if result else str(InspectionStatus(status).label),
                RESULT_MAPPED.get(status, ""),
                _date(scheduled),
                _date(local_date(inspected)),
                _date(local_date(requested)),
                _date(desired),
                "Y" if reinspection else "N",
                inspector_name or "",
                remarks,
            )
        )
