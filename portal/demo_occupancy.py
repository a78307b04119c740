"""`flask seed-demo`'s certificates in phases and in time: a permit with a current partial
certificate, one whose temporary certificate expired yesterday and one whose temporary
certificate expires within 30 days, so a newcomer sees each state (see portal/demo.py)."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from portal import calendar
from portal.applications import review
from portal.auth.models import User
from portal.certificates import issuing, reading
from portal.certificates.models import Certificate, CertificateKind
from portal.extensions import db
from portal.inspections import results
from portal.inspections.models import InspectionResult, InspectionType, RequiredInspection
from portal.payments import services as payments
from portal.payments.models import FeeStatus
from portal.permits.models import Permit

# Permit number -> (kind, days from today to the expiry, what the demo line says).
STORIES = {
    "BP-2026-100007": (CertificateKind.PARTIAL, None, "a current partial certificate"),
    "BP-2026-100008": (CertificateKind.TEMPORARY, -1, "a temporary certificate expired yesterday"),
    "BP-2026-100009": (
        CertificateKind.TEMPORARY,
        20,
        "a temporary certificate expiring in 20 days",
    ),
}
PORTIONS = {
    "BP-2026-100007": "Floors 1-3, units 101-312",
    "BP-2026-100008": "Floors 1-8 (guest rooms 101-840)",
    "BP-2026-100009": "Entire building",
}


def tell(
    by_number: dict[str, Permit],
    owner: User,
    staff: User,
    inspector: User,
    application_for: Callable,
    inspect: Callable,
) -> None:
    """Each story once: an accepted application, the C of O inspections granted (by
    ``inspector``: staff's day is full with the other stories' visits), fees waived, and the
    certificate issued through the service."""
    today = calendar.local_today()
    for number, (kind, days, _words) in STORIES.items():
        permit = by_number[number]
        if reading.certificates_for_permit(permit.id):
            continue
        application = application_for(permit)
        if application.status.value not in ("accepted", "inspections_complete"):
            review.accept(application, staff, application.version)
        for code in ("COFO-DOB", "COFO-FPB"):
            _inspected(permit, code, owner, inspector, inspect)
        for fee in payments.fees_for_permit(permit.id):
            if fee.status == FeeStatus.OUTSTANDING:
                payments.waive_fee(fee, staff, "Demo: waived", fee.version)
        granted = today - timedelta(days=60)
        issuing.issue(
            application,
            staff,
            application.version,
            {
                "certificate_type": "partial" if kind == CertificateKind.PARTIAL else "temporary",
                "portion_of_building": PORTIONS[number],
                "occupancy_load": 120,
                "occupancy_groups": ["R-2"],
                "construction_type": "IIA",
                "granted_date": granted,
                "expires_on": today + timedelta(days=days) if days is not None else None,
                "description": permit.description,
                "conditions": "",
                "outstanding_matters": "Roof deck railings and the second elevator"
                if kind == CertificateKind.TEMPORARY
                else "",
                "confirm_owner_involved": True,
                "confirm_professionals": True,
                "confirm_records_finaled": True,
            },
        )


def _inspected(permit: Permit, code: str, owner: User, inspector: User, inspect) -> None:
    """The C of O inspection granted: booked through the portal, or, for an agency that
    books its own (the Fire Prevention Bureau), its reported result entered by staff."""
    required = db.session.scalar(
        select(RequiredInspection)
        .join(InspectionType)
        .where(RequiredInspection.permit_id == permit.id, InspectionType.code == code)
    )
    agency = required.inspection_type.agency if required else None
    if required is None or agency is None or not agency.schedules_directly:
        inspect(permit, code, InspectionResult.GRANTED_COMPLETE, owner, inspector)
        return
    results.record_agency_visit(
        permit,
        required,
        inspector,
        day=calendar.add_business_days(calendar.local_today(), -3),
        result=InspectionResult.GRANTED_COMPLETE,
        remarks="Demo: the Bureau's inspector reported the building ready.",
    )


def lines() -> list[str]:
    """The demo's certificate numbers, to verify at /verify/<number>."""
    found = db.session.execute(
        select(Permit.permit_num, Certificate.number)
        .join(Certificate, Certificate.permit_id == Permit.id)
        .where(Permit.permit_num.in_(STORIES))
        .order_by(Permit.permit_num)
    ).all()
    if not found:
        return []
    return [
        "Certificates in each state (check them at /verify/<number>):",
        *(
            f"  {number}  permit {permit_num}: {STORIES[permit_num][2]}"
            for permit_num, number in found
        ),
    ]
