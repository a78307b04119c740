"""What certificates adds to the pages permits/ owns (see portal/panels.py): the certificate
and its pickup booking, on the permit page."""

from portal import panels
from portal.certificates import services
from portal.permits.models import Permit


@panels.permit_panel("certificate", order=30, template="certificates/_permit_panel.html")
def certificate_panel(permit: Permit) -> services.PermitPanel:
    return services.permit_panel(permit)
