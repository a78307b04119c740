"""Loading certificates, the applications they are issued for, and pickup appointments.

Read-only: the pages and the services that change these records load them from here.
"""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from portal.applications.models import ISSUABLE_STATES, CofOApplication
from portal.certificates.models import (
    Certificate,
    CertificateKind,
    OccupancyRequest,
    PickupAppointment,
    PickupStatus,
    RequestKind,
    RequestStatus,
)
from portal.extensions import db
from portal.permits.models import PartyRole, Permit, PermitParty


def final_certificate_for_application(application_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(
            Certificate.application_id == application_id,
            Certificate.kind == CertificateKind.FINAL,
        )
        .options(selectinload(Certificate.versions))
    )


# Built once: building it with its loader options on each call was two thirds of its cost
# (0.37 ms against 0.12, on the permit page of every permit; issue 17).
_CERTIFICATES_FOR_PERMIT = (
    select(Certificate)
    .where(Certificate.permit_id == bindparam("permit_id"))
    .options(selectinload(Certificate.versions), lazyload(Certificate.permit))
    .order_by(Certificate.id.desc())
)


def certificates_for_permit(permit_id: int) -> Sequence[Certificate]:
    """Every certificate of the permit, newest first, with its versions. The permit is the
    caller's, already in the session: not joined again to each certificate (issue 17)."""
    return db.session.scalars(_CERTIFICATES_FOR_PERMIT, {"permit_id": permit_id}).all()


def certificates_for_application(application_id: int) -> Sequence[Certificate]:
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.application_id == application_id)
        .order_by(Certificate.id)
    ).all()


def request_for_permit(permit: Permit, request_id: int) -> OccupancyRequest | None:
    return db.session.scalar(
        select(OccupancyRequest).where(
            OccupancyRequest.id == request_id, OccupancyRequest.permit_id == permit.id
        )
    )


def requests_for_permit(permit_id: int) -> Sequence[OccupancyRequest]:
    return db.session.scalars(
        select(OccupancyRequest)
        .where(OccupancyRequest.permit_id == permit_id)
        .order_by(OccupancyRequest.id.desc())
    ).all()


def open_extension_request(certificate_id: int) -> OccupancyRequest | None:
    """The owner's open request to extend the certificate, if any."""
    return db.session.scalar(
        select(OccupancyRequest).where(
            OccupancyRequest.certificate_id == certificate_id,
            OccupancyRequest.kind == RequestKind.EXTENSION,
            OccupancyRequest.status == RequestStatus.REQUESTED,
        )
    )


def request_for_staff(request_id: int) -> OccupancyRequest | None:
    return db.session.scalar(
        select(OccupancyRequest)
        .where(OccupancyRequest.id == request_id)
        .options(selectinload(OccupancyRequest.documents))
    )


def certificate_for_permit(permit: Permit) -> Certificate | None:
    """The permit's newest certificate, with its versions."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.permit_id == permit.id)
        .options(selectinload(Certificate.versions))
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def certificate_for_staff(certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.versions))
    )


def application_for_issue(application_id: int) -> CofOApplication | None:
    return db.session.scalar(
        select(CofOApplication)
        .where(CofOApplication.id == application_id)
        .options(
            joinedload(CofOApplication.permit).selectinload(Permit.parties),
            selectinload(CofOApplication.contacts),
        )
    )


def record_contacts(application: CofOApplication) -> list[str]:
    """Everyone on the record: the permit's parties and the application's contacts."""
    emails: list[str] = []
    parties = db.session.scalars(
        select(PermitParty)
        .where(PermitParty.permit_id == application.permit_id)
        .order_by(PermitParty.role != PartyRole.OWNER, PermitParty.id)
    ).all()
    candidates = [party.user.email for party in parties] + [
        contact.email for contact in application.contacts
    ]
    for email in candidates:
        if email and email.lower() not in {e.lower() for e in emails}:
            emails.append(email)
    return emails


def open_appointment(certificate_id: int) -> PickupAppointment | None:
    return db.session.scalar(
        select(PickupAppointment).where(
            PickupAppointment.certificate_id == certificate_id,
            PickupAppointment.status == PickupStatus.BOOKED,
        )
    )


def pickup_cancelled_by_revocation(certificate: Certificate) -> PickupAppointment | None:
    """The pickup the certificate's revocation cancelled, if one was booked: it carries the
    revocation's time, and no booking or cancellation can come after a revocation."""
    if certificate.revoked_at is None:
        return None
    return db.session.scalar(
        select(PickupAppointment)
        .where(
            PickupAppointment.certificate_id == certificate.id,
            PickupAppointment.status == PickupStatus.CANCELLED,
            PickupAppointment.cancelled_at >= certificate.revoked_at,
        )
        .limit(1)
    )


def appointment_for_permit(permit: Permit, appointment_id: int) -> PickupAppointment | None:
    return db.session.scalar(
        select(PickupAppointment).where(
            PickupAppointment.id == appointment_id, PickupAppointment.permit_id == permit.id
        )
    )


def appointment_for_staff(appointment_id: int) -> PickupAppointment | None:
    return db.session.get(PickupAppointment, appointment_id)


def counter_day(day: date) -> Sequence[PickupAppointment]:
    """Who is coming to the counter on a day, earliest first, with what the list shows."""
    return db.session.scalars(
        select(PickupAppointment)
        .where(PickupAppointment.day == day, PickupAppointment.status != PickupStatus.CANCELLED)
        .options(
            joinedload(PickupAppointment.permit),
            joinedload(PickupAppointment.certificate),
        )
        .order_by(PickupAppointment.starts_at, PickupAppointment.id)
    ).all()


def issuable_application(permit_id: int) -> CofOApplication | None:
    """The permit's application a certificate can be issued on (accepted, or its
    inspections complete), if any."""
    return db.session.scalar(
        select(CofOApplication)
        .where(
            CofOApplication.permit_id == permit_id,
            CofOApplication.status.in_(ISSUABLE_STATES),
        )
        .order_by(CofOApplication.id.desc())
        .limit(1)
    )
