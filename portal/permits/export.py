"""Permits as a BLDS CSV (the Building and Land Development Specification's permit file).

One query, with each permit's current Certificate of Occupancy joined in, streamed in
batches: a million permits export in the memory of one batch. The certificates feature, built
on permits, supplies the C of O dates (`granted_dates_from`), so permits imports nothing above
it.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import current_app
from sqlalchemy import Select, Subquery, func, literal, select
from sqlalchemy.orm import aliased

from portal.calendar import department_zone
from portal.csv_export import dollars, iso_date, stream_rows
from portal.extensions import db
from portal.permits.models import Permit, PermitStatus
from portal.settings.models import PermitTypeMapping

COLUMNS = (
    "PermitNum",
    "Description",
    "AppliedDate",
    "IssuedDate",
    "CompletedDate",
    "StatusCurrent",
    "StatusCurrentMapped",
    "StatusDate",
    "OriginalAddress1",
    "OriginalAddress2",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    "Jurisdiction",
    "PermitClass",
    "PermitClassMapped",
    "PermitType",
    "PermitTypeMapped",
    "PermitTypeDesc",
    "WorkClass",
    "WorkClassMapped",
    "ProposedUse",
    "TotalSqFt",
    "HousingUnits",
    "EstProjectCost",
    "ContractorCompanyName",
    "ContractorLicNum",
    "ContractorStateLic",
    "ContractorTrade",
    "Link",
    "COIssuedDate",
)

# StatusCurrentMapped (one of blds.STATUS_CURRENT_MAPPED) for each permit status. A new status
# adds a row; tests/permits/test_blds.py fails on a status without one.
STATUS_MAPPED: dict[PermitStatus, str] = {
    PermitStatus.ISSUED: "Permit Issued",
    PermitStatus.INSPECTION_PHASE: "Inspection Phase",
    PermitStatus.FINALED: "Permit Finaled",
    # BLDS has no "expired": the permit ended without its work being finaled, which is what
    # "Permit Cancelled" says; StatusCurrent keeps the portal's own word.
    PermitStatus.EXPIRED: "Permit Cancelled",
    PermitStatus.REVOKED: "Permit Cancelled",
}
# What a current certificate on the building makes of a permit that did not end badly, by
# the certificate's kind as `granted_dates_from` reports it (a ``kind`` column; without one,
# every certificate is a final one). Partial and temporary certificates add their row here.
FINAL_CERTIFICATE = "final"
CERTIFICATE_STATUS_MAPPED: dict[str, str] = {FINAL_CERTIFICATE: "Occupancy"}
_ENDED = {PermitStatus.EXPIRED, PermitStatus.REVOKED}
# Words of a proposed use that make a building residential (BLDS PermitClassMapped), whole
# words only: a warehouse is not a house.
_RESIDENTIAL = re.compile(
    r"\b(residential|dwellings?|apartments?|condominiums?|townhouses?|houses?|"
    r"single-family|multi-family|two-flat)\b"
)


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


def status_mapped(status: PermitStatus, co_issued: date | None, kind: str | None = None) -> str:
    if co_issued is not None and status not in _ENDED:
        return CERTIFICATE_STATUS_MAPPED[kind or FINAL_CERTIFICATE]
    return STATUS_MAPPED[status]


def permit_class_mapped(proposed_use: str) -> str:
    """BLDS sorts buildings into Residential and Non-Residential; blank when the use is."""
    text = proposed_use.strip().lower()
    if not text:
        return ""
    return "Residential" if _RESIDENTIAL.search(text) else "Non-Residential"


def status_link(permit_num: str) -> str:
    """The permit's public status page (the /status/<number> route of the public pages)."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}/status/{quote(permit_num, safe='')}"


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
    kind = certificates.c.get("kind")
    mapping = aliased(PermitTypeMapping)
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
            Permit.contractor_state_lic,
            Permit.contractor_trade,
            Permit.updated_at,
            mapping.blds_type,
            mapping.description.label("type_description"),
            certificates.c.granted_date,
            (kind if kind is not None else literal(None)).label("certificate_kind"),
        )
        .outerjoin(certificates, certificates.c.permit_id == Permit.id)
        .outerjoin(mapping, mapping.permit_type_key == _type_key(Permit.permit_type))
        .order_by(Permit.id)
    )
    query = (permits or PermitFilter()).apply(query)
    zone = department_zone()
    jurisdiction = current_app.config["PORTAL_CITY"]
    return stream_rows(COLUMNS, query, lambda row: _values(row, zone, jurisdiction))


def _type_key(column):
    """permit_types.key in SQL: lower case, trimmed (inner runs of spaces are rare enough in
    a permit type that the settings page's own spelling is what matters)."""
    return func.lower(func.trim(column))


def unmapped_permit_types() -> list[tuple[str, int]]:
    """Permit types the permits use that no mapping names, with how many permits each."""
    query = (
        select(Permit.permit_type, func.count(Permit.id))
        .outerjoin(
            PermitTypeMapping,
            PermitTypeMapping.permit_type_key == _type_key(Permit.permit_type),
        )
        .where(PermitTypeMapping.id.is_(None), func.trim(Permit.permit_type) != "")
        .group_by(Permit.permit_type)
        .order_by(Permit.permit_type)
    )
    return [(permit_type, count) for permit_type, count in db.session.execute(query)]


def _values(row, zone, jurisdiction: str) -> tuple:
    mapped = status_mapped(row.status_current, row.granted_date, row.certificate_kind)
    final = (row.certificate_kind or FINAL_CERTIFICATE) == FINAL_CERTIFICATE
    final_date = row.granted_date if final else None
    return (
        row.permit_num,
        row.description,
        iso_date(row.applied_date),
        iso_date(row.issued_date),
        # Issuing the certificate is what finals the permit in the portal.
        iso_date(final_date) if row.status_current not in _ENDED else "",
        row.status_current.value,
        mapped,
        iso_date(row.updated_at.astimezone(zone).date()),
        row.original_address1,
        row.original_address2,
        row.original_city,
        row.original_state,
        row.original_zip,
        jurisdiction,
        row.proposed_use,
        permit_class_mapped(row.proposed_use),
        row.permit_type,
        row.blds_type or "",
        row.type_description or "",
        row.work_class,
        work_class_mapped(row.work_class),
        row.proposed_use,
        row.total_sq_ft,
        row.housing_units,
        dollars(row.est_project_cost_cents),
        row.contractor_company_name,
        row.contractor_lic_num,
        row.contractor_state_lic,
        row.contractor_trade,
        status_link(row.permit_num),
        iso_date(final_date),
    )
