"""What the permit page shows about the permit's certificates, and the public status page about
them."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Row, bindparam, exists, literal_column, select, true

from portal import reads
from portal.certificates import rendering
from portal.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateVersion,
    OccupancyRequest,
    PickupAppointment,
    RequestKind,
)
from portal.certificates.phases import is_expired
from portal.certificates.pickup import booking_problem
from portal.certificates.reading import (
    certificates_for_permit,
    open_appointment,
)
from portal.permits.models import Permit


@dataclass(frozen=True)
class PermitPanel:
    certificate: Certificate | None
    current: CertificateVersion | None
    appointment: PickupAppointment | None
    # Every certificate of the permit, newest first (partial, temporary and final).
    certificates: list[Certificate] = field(default_factory=list)
    # The owner's latest request for an optional C of O, if any (open, approved or refused).
    optional: Row | None = None


# What the panel says of the latest optional C of O request: its columns only (issue 17:
# every occupancy request was loaded with its permit and requester to find this one), and
# whether the permit has a certificate at all, in the same statement: the certificates
# (entities with their versions, which the summary's lead needs) are loaded only then, so
# a permit without one (most) costs one column statement, not two and an ORM load.
_NEWEST_OPTIONAL = (
    select(OccupancyRequest.status, OccupancyRequest.decided_at, OccupancyRequest.decision_reason)
    .where(
        OccupancyRequest.permit_id == bindparam("permit_id"),
        OccupancyRequest.kind == RequestKind.OPTIONAL,
    )
    .order_by(OccupancyRequest.id.desc())
    .limit(1)
    .subquery()
)
_ONE_ROW = select(literal_column("1").label("one")).subquery()
_PANEL_FACTS = select(
    exists().where(Certificate.permit_id == bindparam("permit_id")).label("has_certificates"),
    _NEWEST_OPTIONAL.c.status,
    _NEWEST_OPTIONAL.c.decided_at,
    _NEWEST_OPTIONAL.c.decision_reason,
).select_from(_ONE_ROW.outerjoin(_NEWEST_OPTIONAL, true()))


def permit_panel(permit: Permit) -> PermitPanel:
    facts = reads.first(_PANEL_FACTS, {"permit_id": permit.id})
    optional = facts if facts is not None and facts.status is not None else None
    if facts is None or not facts.has_certificates:
        return PermitPanel(None, None, None, optional=optional)
    certificates = list(certificates_for_permit(permit.id))
    requeue_missing_pdfs(certificates)
    newest = certificates[0]
    return PermitPanel(
        newest, newest.current_version, open_appointment(newest.id), certificates, optional
    )


def requeue_missing_pdfs(certificates) -> None:
    """A page that says a PDF is being prepared queues its job again (deduplicated): the
    embedded queue has no scheduled sweep, so a job lost with a restarted process is redone
    when someone looks, and the page's refresh link then finds the PDF."""
    for certificate in certificates:
        current = certificate.current_version
        if current is not None and not current.pdf_ready:
            rendering.requeue(current)


@dataclass(frozen=True)
class SummaryCertificate:
    """The certificate leading the permit page: the newest certificate of the permit, in force."""

    certificate: Certificate
    current: CertificateVersion
    appointment: PickupAppointment | None
    # May this reader download it and book its pickup (the owner or an agent)?
    editor: bool
    # Why no pickup can be booked now (already booked, fees to pay, picked up), or None.
    booking_problem: str | None


def summary_certificate(panel: PermitPanel, editor: bool) -> SummaryCertificate | None:
    """The final certificate in force, if the permit has one: the outcome the page leads with.
    A partial or temporary certificate is a step on the way, shown as a line instead."""
    newest = panel.certificate
    if newest is None or panel.current is None or newest.is_revoked or newest.is_superseded:
        return None
    if newest.kind != CertificateKind.FINAL or is_expired(panel.current):
        return None
    problem = booking_problem(newest) if editor else None
    return SummaryCertificate(newest, panel.current, panel.appointment, editor, problem)


@dataclass(frozen=True)
class PublicCertificate:
    """What the verification page tells anyone holding the number, and no more."""

    number: str
    kind: str
    granted_date: date | None
    # Why it no longer stands, in the verification page's words: revoked, superseded by the
    # final certificate, or expired (a temporary certificate); "" while it is in force.
    ended: str


def public_certificates(permit: Permit) -> list[PublicCertificate]:
    """The permit's certificates, oldest first, as the public status page lists them."""
    certificates = []
    for certificate in reversed(certificates_for_permit(permit.id)):
        shown = certificate.current_version or certificate.latest_version
        if certificate.is_revoked:
            ended = "revoked"
        elif certificate.is_superseded:
            ended = "superseded"
        elif is_expired(shown):
            ended = "expired"
        else:
            ended = ""
        certificates.append(
            PublicCertificate(
                number=certificate.number,
                kind=str(certificate.kind.label),
                granted_date=shown.granted_date if shown else None,
                ended=ended,
            )
        )
    return certificates
