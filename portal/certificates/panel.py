"""What the permit page shows about the permit's certificates."""

from dataclasses import dataclass, field

from portal.certificates.models import (
    Certificate,
    CertificateVersion,
    OccupancyRequest,
    PickupAppointment,
    RequestKind,
)
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
