"""What inspections adds to the pages permits/ owns (see portal/panels.py): the checklist of
required inspections and the fees owed, on the permit page."""

from portal import panels
from portal.inspections import services
from portal.permits.models import Permit


@panels.permit_panel("inspections", order=20, template="inspections/_permit_panel.html")
def inspections_panel(permit: Permit) -> services.PermitPanel:
    return services.permit_panel(permit)
