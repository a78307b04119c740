"""Permits as a BLDS CSV (the Building and Land Development Specification's permit file).

One query, with each permit's current Certificate of Occupancy joined in, streamed in
batches: a million permits export in the memory of one batch. The certificates feature, built
on permits, supplies the C of O dates (`granted_dates_from`), so permits imports nothing above
it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, Subquery, select

from portal.csv_export import dollars, iso_date, stream_rows
from portal.extensions import db
from portal.permits.models import Permit, PermitStatus

COLUMNS = (
    "PermitNum",
    "Description",
    "AppliedDate",
    "IssuedDate",
    "CompletedDate",
    "StatusCurrent",
    "StatusCurrentMapped",
    "OriginalAddress1",
    "OriginalAddress2",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    "PermitType",
    "PermitTypeMapped",
    "WorkClass",
    "WorkClassMapped",
    "ProposedUse",
    "TotalSqFt",
    "HousingUnits",
    "EstProjectCost",
    "ContractorCompanyName",
    "ContractorLicNum",
    "COIssuedDate",
)

# BLDS's StatusCurrentMapped vocabulary for the portal's permit statuses.
STATUS_MAPPED = {
    PermitStatus.ISSUED: "Permit Issued",
    PermitStatus.INSPECTION_PHASE: "Inspection Phase",
    PermitStatus.FINALED: "Permit Finaled",
    PermitStatus.EXPIRED: "Permit Expired",
    PermitStatus.REVOKED: "Permit Cancelled",
}
# A permit whose building holds a current C of O is occupied, unless the permit ended badly.
OCCUPANCY = "Occupancy"
_ENDED = {PermitStatus.EXPIRED, PermitStatus.REVOKED}
# BLDS's PermitTypeMapped values the department's permit types name as they are.
PERMIT_TYPES_MAPPED = {
    name.lower(): name
    for name in ("Building", "Demolition", "Electrical", "Mechanical", "Plumbing")
}


@dataclass(frozen=True)
class PermitFilter:
    issued_from: date | None = None
    issued_to: date | None = None
    status: PermitStatus | None = None

    def apply(self, query: Select) -> Select:
        if self.issued_from:
            query = query.where(Permit.issued_date >= self.issued_from)
        if self.issued_to:
            query = query.where(Permit.issued_date <= self.issued_to)
        if self.status:
            query = query.where(Permit.status_current == self.status)
        return query


def status_mapped(status: PermitStatus, co_issued: date | None) -> str:
    if co_issued is not None and status not in _ENDED:
        return OCCUPANCY
    return STATUS_MAPPED[status]


def work_class_mapped(work_class: str) -> str:
    """BLDS knows new construction and work on an existing building."""
    text = work_class.strip().lower()
    if not text:
        return ""
    return "New" if text.startswith("new") else "Existing"


def any_permit(permits: PermitFilter) -> bool:
    """Whether the filter matches at least one permit: one indexed probe, not a count."""
    query = permits.apply(select(Permit.id)).limit(1)
    return db.session.execute(query).first() is not None


# Builds a subquery of (permit_id, granted_date): each permit's latest current C of O grant.
_granted_dates: list[Callable[[], Subquery]] = []


def granted_dates_from(build: Callable[[], Subquery]) -> Callable[[], Subquery]:
    """Register where the C of O dates come from (the certificates feature does, at start)."""
    _granted_dates[:] = [build]
    return build


def blds_rows(permits: PermitFilter | None = None) -> Iterator[str]:
    """The header, then one line per permit in the filter, in id order, fetched in batches."""
    certificates = _granted_dates[0]()
    query = (
        select(
            Permit.permit_num,
            Permit.description,
            Permit.applied_date,
            Permit.issued_date,
            Permit.status_current,
            Permit.original_address1,
            Permit.original_address2,
            Permit.original_city,
            Permit.original_state,
            Permit.original_zip,
            Permit.permit_type,
            Permit.work_class,
            Permit.proposed_use,
            Permit.total_sq_ft,
            Permit.housing_units,
            Permit.est_project_cost_cents,
            Permit.contractor_company_name,
            Permit.contractor_lic_num,
            certificates.c.granted_date,
        )
        .outerjoin(certificates, certificates.c.permit_id == Permit.id)
        .order_by(Permit.id)
    )
    query = (permits or PermitFilter()).apply(query)
    return stream_rows(COLUMNS, query, _values)


def _values(row) -> tuple:
    mapped = status_mapped(row.status_current, row.granted_date)
    return (
        row.permit_num,
        row.description,
        iso_date(row.applied_date),
        iso_date(row.issued_date),
        # Issuing the certificate is what finals the permit in the portal.
        iso_date(row.granted_date) if mapped == OCCUPANCY else "",
        row.status_current.value,
        mapped,
        row.original_address1,
        row.original_address2,
        row.original_city,
        row.original_state,
        row.original_zip,
        row.permit_type,
        PERMIT_TYPES_MAPPED.get(row.permit_type.strip().lower(), ""),
        row.work_class,
        work_class_mapped(row.work_class),
        row.proposed_use,
        row.total_sq_ft,
        row.housing_units,
        dollars(row.est_project_cost_cents),
        row.contractor_company_name,
        row.contractor_lic_num,
        iso_date(row.granted_date),
    )
