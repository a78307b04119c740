"""What the permit page shows about the permit's certificates, and the public status page about
them."""

from dataclasses import dataclass, field
from datetime import date

from portal.certificates.models import (
    Certificate,
    CertificateVersion,
    OccupancyRequest,
    PickupAppointment,
    RequestKind,
)
from portal.certificates.phases import is_expired
from portal.certificates.reading import (
    certificates_for_permit,
    open_appointment,
    requests_for_permit,
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
    optional: OccupancyRequest | None = None


def permit_panel(permit: Permit) -> PermitPanel:
    optional = next(
        (r for r in requests_for_permit(permit.id) if r.kind == RequestKind.OPTIONAL), None
    )
    certificates = list(certificates_for_permit(permit.id))
    if not certificates:
        return PermitPanel(None, None, None, optional=optional)
    newest = certificates[0]
    return PermitPanel(
        newest, newest.current_version, open_appointment(newest.id), certificates, optional
    )


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
