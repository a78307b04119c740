"""What the permit page shows about the permit's certificate."""

from dataclasses import dataclass

from portal.certificates.models import Certificate, CertificateVersion, PickupAppointment
from portal.certificates.reading import certificate_for_permit, open_appointment
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
