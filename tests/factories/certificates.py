"""Records the certificate tests start from: a permit ready for its certificate, an issued
certificate (through the service, or written directly with a stand-in PDF so nothing is
rendered), counter hours, a free day to book and a booked pickup."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal import calendar
from portal.applications.models import (
    ApplicationContact,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
)
from portal.auth.models import Role
from portal.certificates import issuing, rendering
from portal.certificates.models import (
    TYPE_OF_KIND,
    Certificate,
    CertificateKind,
    CertificateVersion,
    PickupAppointment,
    PickupSlot,
    VersionStatus,
)
from portal.certificates.reading import record_contacts
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.inspections import catalogue
from portal.inspections.models import (
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    RequiredInspection,
    Window,
)
from portal.models import utcnow
from portal.permits.models import PartyRole
from tests.factories.accounts import make_user
from tests.factories.applications import make_application
from tests.factories.permits import add_party, make_permit
from tests.support.files import PDF


def ready_application(owner=None, agent=None, *, scope=("electrical",)):
    """An accepted application whose permit's required inspections have all passed."""
    catalogue.seed_types()
    owner = owner or make_user(name="Olivia Owner")
    permit = make_permit(scope=list(scope))
    add_party(permit, owner, PartyRole.OWNER)
    if agent is not None:
        add_party(permit, agent, PartyRole.AGENT)
    catalogue.derive_required({permit.id: permit.scope})
    for required in db.session.scalars(
        select(RequiredInspection).where(RequiredInspection.permit_id == permit.id)
    ):
        required.passed_at = utcnow()
    application = make_application(
        permit,
        owner,
        status=ApplicationStatus.ACCEPTED,
        confirmation_number=f"CO-2026-T{permit.id:05d}",
        submitted_at=utcnow(),
        occupancy_groups=["R-2"],
        portion_of_building="Entire building",
        occupancy_load=40,
        construction_type="VA",
        certificate_type=CertificateType.FULL,
    )
    application.contacts.extend(
        [
            ApplicationContact(
                role=ContactRole.OWNER,
                name=owner.name,
                email="owner.contact@example.com",
                address="1 Owner Way, Chicago, IL 60601",
            ),
            ApplicationContact(
                role=ContactRole.ARCHITECT,
                name="Ari Architect",
                email="ari@example.com",
                license_number="001-234567",
            ),
        ]
    )
    db.session.commit()
    return application


def staff_user(**fields):
    return make_user(role=Role.STAFF, name=fields.pop("name", "Sam Staff"), **fields)


def answers(**overrides) -> dict:
    values = {
        "certificate_type": "full",
        "portion_of_building": "Floors 1 to 4",
        "occupancy_load": 42,
        "occupancy_groups": ["R-2", "B"],
        "construction_type": "VA",
        "granted_date": calendar.local_today(),
        "expires_on": None,
        "description": "Six-unit residential building with ground-floor office",
        "conditions": "",
        "confirm_owner_involved": True,
        "confirm_professionals": True,
        "confirm_records_finaled": True,
    }
    values.update(overrides)
    return values


def form_data(application, **overrides) -> dict:
    data = {
        "version": str(getattr(application, "version", "")),
        "certificate_type": "full",
        "portion_of_building": "Floors 1 to 4",
        "occupancy_load": "42",
        "occupancy_groups": ["R-2", "B"],
        "construction_type": "VA",
        "granted_date": calendar.local_today().isoformat(),
        "expires_on": "",
        "description": "Six-unit residential building",
        "conditions": "",
        "confirm_owner_involved": "y",
        "confirm_professionals": "y",
        "confirm_records_finaled": "y",
        # Everyone on the record, as the form ticks them.
        "recipients": record_contacts(application)
        if isinstance(application, CofOApplication)
        else [],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def issue(application, staff, *, recipients=None, pdf=True, **overrides):
    """Issue through the service; with `pdf`, then make its PDF (and queue its emails) as
    the render job does, so the certificate is as staff and the owner see it seconds later.
    Without, it is left "being prepared"."""
    certificate = issuing.issue(
        application, staff, application.version, answers(**overrides), recipients=recipients
    )
    if pdf:
        make_pdfs()
    return certificate


def make_pdfs() -> int:
    """Make every certificate PDF still missing, as `certificates.render_pdf` does (the
    other queued jobs stay queued); returns how many were made."""
    made, failed = rendering.render_due(1000)
    assert not failed
    db.session.expire_all()
    return made


def issued_certificate(
    application, issuer, sequence: int, *, kind=CertificateKind.FINAL, expires_on=None
) -> Certificate:
    """A certificate as issuing leaves it, written directly: its PDF is a stand-in, so
    nothing is rendered (a temporary one expires in 60 days unless told). Added to the
    session, not committed."""
    permit = application.permit
    year = calendar.local_today().year
    if kind == CertificateKind.TEMPORARY and expires_on is None:
        expires_on = calendar.local_today() + timedelta(days=60)
    certificate = Certificate(
        number=f"CO-{year}-{sequence:06d}",
        year=year,
        sequence=sequence,
        permit_id=permit.id,
        application_id=application.id,
        kind=kind,
        issued_by_id=issuer.id,
        last_version=1,
    )
    stored = save_bytes(PDF + f"% {permit.permit_num}\n".encode(), "application/pdf")
    certificate.versions.append(
        CertificateVersion(
            version_number=1,
            status=VersionStatus.CURRENT,
            certificate_type=TYPE_OF_KIND[kind],
            portion_of_building="Entire building"
            if kind == CertificateKind.FINAL
            else "Floors 1-3, units 101-312",
            expires_on=expires_on,
            outstanding_matters="Landscaping and the roof deck"
            if kind == CertificateKind.TEMPORARY
            else "",
            occupancy_load=40,
            occupancy_groups=["R-2"],
            construction_type="VA",
            granted_date=calendar.local_today(),
            permit_num=permit.permit_num,
            address=permit.address,
            owner_name="Olivia Owner",
            official_name="Jordan Rivera",
            official_title="Building Commissioner",
            stored_file_id=stored.id,
            sha256=stored.sha256,
            created_by_id=issuer.id,
        )
    )
    db.session.add(certificate)
    return certificate


def cofo_granted_with_outstanding(application, user):
    """Record the permit's C of O inspection as granted with outstanding matters."""
    recorded_visit(application, user, "COFO-DOB", InspectionResult.GRANTED_OUTSTANDING)


def recorded_visit(application, user, code: str, result: InspectionResult) -> None:
    """A visit to the permit's required inspection `code` with its result recorded."""
    required = next(
        r
        for r in catalogue.required_inspections(application.permit_id)
        if r.inspection_type.code == code
    )
    db.session.add(
        InspectionRequest(
            permit_id=application.permit_id,
            required_inspection_id=required.id,
            inspection_type_id=required.inspection_type_id,
            status=InspectionStatus.PASSED,
            result=result,
            requested_by_id=user.id,
            preferred_date_1=calendar.local_today(),
            window=Window.MORNING,
            contact_name="Carla Site",
            contact_phone="312-555-0199",
        )
    )
    db.session.commit()


def every_weekday(capacity: int = 2, start=time(10, 0), end=time(11, 0)) -> list[PickupSlot]:
    slots = [PickupSlot(weekday=d, start=start, end=end, capacity=capacity) for d in range(7)]
    db.session.add_all(slots)
    db.session.commit()
    return slots


def free_day(after_days: int = 2) -> date:
    """A day ahead on which the counter is open (not a holiday)."""
    day = calendar.local_today() + timedelta(days=after_days)
    while day in calendar.holidays_between(day, day):
        day += timedelta(days=1)
    return day


def choice(day: date, slots: list[PickupSlot]) -> str:
    slot = next(s for s in slots if s.weekday == day.weekday())
    return f"{slot.id}:{day.isoformat()}"


def booked_pickup(certificate, slots: list[PickupSlot], user, day: date) -> PickupAppointment:
    """A pickup of the certificate booked in the day's slot, written directly. Added to the
    session, not committed."""
    slot = next(s for s in slots if s.weekday == day.weekday())
    zone = calendar.department_zone()
    appointment = PickupAppointment(
        certificate=certificate,
        permit_id=certificate.permit_id,
        slot_id=slot.id,
        day=day,
        starts_at=datetime.combine(day, slot.start, tzinfo=zone),
        ends_at=datetime.combine(day, slot.end, tzinfo=zone),
        booked_by_id=user.id,
    )
    db.session.add(appointment)
    return appointment
