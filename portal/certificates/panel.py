"""What the permit page shows about the permit's certificate, and the public status page about
its certificates."""

from dataclasses import dataclass
from datetime import date

from portal.certificates.models import Certificate, CertificateVersion, PickupAppointment
from portal.certificates.reading import (
    certificate_for_permit,
    certificates_for_permit,
    open_appointment,
)
from portal.permits.models import Permit


@dataclass(frozen=True)
class PermitPanel:
    certificate: Certificate | None
    current: CertificateVersion | None
    appointment: PickupAppointment | None


def permit_panel(permit: Permit) -> PermitPanel:
    certificate = certificate_for_permit(permit)
    if certificate is None:
        return PermitPanel(None, None, None)
    return PermitPanel(certificate, certificate.current_version, open_appointment(certificate.id))


@dataclass(frozen=True)
class PublicCertificate:
    """What the verification page tells anyone holding the number, and no more."""

    number: str
    kind: str
    granted_date: date | None
    revoked: bool


def public_certificates(permit: Permit) -> list[PublicCertificate]:
    certificates = []
    for certificate in certificates_for_permit(permit):
        shown = certificate.current_version or certificate.latest_version
        certificates.append(
            PublicCertificate(
                number=certificate.number,
                kind=shown.certificate_type.label if shown else "",
                granted_date=shown.granted_date if shown else None,
                revoked=certificate.is_revoked,
            )
        )
    return certificates
