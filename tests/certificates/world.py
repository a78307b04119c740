"""The certificates' part of the shared test world (tests/support/world.py): an issued
certificate on each permit, counter hours, a closed day and a pickup booked on each permit;
how to fill the certificate routes' URLs and forms; and the states their posts act in.

Records are written directly, with a small stand-in PDF, so building the world renders
nothing; tests/certificates/ covers the real issuing.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal import calendar
from portal.applications.models import ApplicationStatus, CertificateType
from portal.certificates.models import (
    Certificate,
    CertificateVersion,
    ClosedDay,
    PickupAppointment,
    PickupSlot,
    PickupStatus,
    VersionStatus,
)
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.inspections.models import RequiredInspection
from portal.models import utcnow
from portal.payments.models import Fee, FeeStatus

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _open_day(after_days: int):
    day = calendar.local_today() + timedelta(days=after_days)
    while day in calendar.holidays_between(day, day):
        day += timedelta(days=1)
    return day


def _certificate(application, issuer, sequence: int) -> Certificate:
    permit = application.permit
    year = calendar.local_today().year
    certificate = Certificate(
        number=f"CO-{year}-{sequence:06d}",
        year=year,
        sequence=sequence,
        permit_id=permit.id,
        application_id=application.id,
        issued_by_id=issuer.id,
        last_version=1,
    )
    stored = save_bytes(PDF + f"% {permit.permit_num}\n".encode(), "application/pdf")
    certificate.versions.append(
        CertificateVersion(
            version_number=1,
            status=VersionStatus.CURRENT,
            certificate_type=CertificateType.FULL,
            portion_of_building="Entire building",
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


def _appointment(certificate, slots, user, day) -> PickupAppointment:
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


def add_records(world) -> None:
    world.certificate = _certificate(world.application, world.staff, 901)
    world.other_certificate = _certificate(world.other_application, world.staff, 902)
    world.pickup_slots = [
        PickupSlot(weekday=d, start=time(10), end=time(11), capacity=4) for d in range(7)
    ]
    db.session.add_all(world.pickup_slots)
    world.closed_day = ClosedDay(day=_open_day(20), reason="Staff training")
    db.session.add(world.closed_day)
    db.session.flush()
    day = _open_day(3)
    world.appointment = _appointment(world.certificate, world.pickup_slots, world.owner, day)
    world.other_appointment = _appointment(
        world.other_certificate, world.pickup_slots, world.stranger, day
    )
    db.session.commit()


def choice(world, after_days: int) -> str:
    day = _open_day(after_days)
    slot = next(s for s in world.pickup_slots if s.weekday == day.weekday())
    return f"{slot.id}:{day.isoformat()}"


PARAMETERS = {
    "certificate_id": lambda w: w.certificate.id,
    "version_id": lambda w: w.certificate.versions[0].id,
    "appointment_id": lambda w: w.appointment.id,
    "slot_id": lambda w: w.pickup_slots[0].id,
    "closed_day_id": lambda w: w.closed_day.id,
    "number": lambda w: w.certificate.number,
}

FOREIGN_PARAMETERS = {"appointment_id": lambda w: w.other_appointment.id}


def _certificate_fields() -> dict:
    return {
        "certificate_type": "full",
        "portion_of_building": "Floors 1 to 4",
        "occupancy_load": "42",
        "occupancy_groups": ["R-2"],
        "construction_type": "VA",
        "granted_date": calendar.local_today().isoformat(),
        "description": "Six-unit residential building",
    }


# For each certificate POST route, fields a permitted user would send. Prefixed forms name
# their CSRF field "<prefix>-csrf_token".
POST_FORMS = {
    "certificates.issue": lambda w, c: {
        **_certificate_fields(),
        "version": str(w.application.version),
        "confirm_owner_involved": "y",
        "confirm_professionals": "y",
        "confirm_records_finaled": "y",
    },
    "certificates.inspections_complete": lambda w, c: {
        "complete-csrf_token": c.csrf_token(),
        "complete-version": str(w.application.version),
    },
    "certificates.not_applicable": lambda w, c: {
        "na-csrf_token": c.csrf_token(),
        "na-version": str(w.application.version),
        "na-reason": "A two-flat: no certificate needed",
    },
    "certificates.regenerate": lambda w, c: {
        **_certificate_fields(),
        "reason": "Occupancy load corrected",
    },
    "certificates.revoke": lambda w, c: {
        "revoke-csrf_token": c.csrf_token(),
        "revoke-reason": "Issued in error",
        "revoke-confirm": "y",
    },
    "certificates.book": lambda w, c: {"opening": choice(w, 5)},
    "certificates.reschedule": lambda w, c: {
        "version": str(w.appointment.version),
        "opening": choice(w, 6),
    },
    "certificates.cancel_pickup": lambda w, c: {"version": str(w.appointment.version)},
    "certificates.mark_picked_up": lambda w, c: {
        f"a{w.appointment.id}-csrf_token": c.csrf_token(),
        f"a{w.appointment.id}-version": str(w.appointment.version),
        f"a{w.appointment.id}-collected_by": "Olivia Owner",
        f"a{w.appointment.id}-identity_checked": "y",
    },
    "certificates.mark_no_show": lambda w, c: {"version": str(w.appointment.version)},
    "certificates.hours": lambda w, c: {
        "slot-csrf_token": c.csrf_token(),
        "slot-weekday": "2",
        "slot-start": "13:00",
        "slot-end": "14:00",
        "slot-capacity": "3",
    },
    "certificates.add_closed_day": lambda w, c: {
        "closed-csrf_token": c.csrf_token(),
        "closed-day": _open_day(30).isoformat(),
        "closed-reason": "Inventory",
    },
    "certificates.remove_slot": lambda w, c: {},
    "certificates.remove_closed_day": lambda w, c: {},
}


# ---- states in which a post acts (tests/test_post_views_validate_forms.py) -----------------


def _settle_fees(world) -> None:
    for fee in db.session.scalars(
        select(Fee).where(Fee.permit_id == world.permit.id, Fee.status == FeeStatus.OUTSTANDING)
    ):
        fee.status = FeeStatus.WAIVED


def _inspections_passed(world) -> None:
    for required in db.session.scalars(
        select(RequiredInspection).where(RequiredInspection.permit_id == world.permit.id)
    ):
        required.passed_at = utcnow()


def issuable(world) -> None:
    """The application accepted, every inspection passed, nothing owed, no certificate yet."""
    db.session.delete(world.appointment)
    db.session.delete(world.certificate)
    _inspections_passed(world)
    _settle_fees(world)
    world.application.status = ApplicationStatus.ACCEPTED
    db.session.commit()


def inspections_passed(world) -> None:
    _inspections_passed(world)
    world.application.status = ApplicationStatus.ACCEPTED
    db.session.commit()


def bookable(world) -> None:
    """Nothing owed and no pickup booked: the owner may book."""
    _settle_fees(world)
    world.appointment.status = PickupStatus.CANCELLED
    db.session.commit()


def pickup_started(world) -> None:
    world.appointment.starts_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
