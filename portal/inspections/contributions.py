"""What inspections adds to what permits/ owns: the checklist of required inspections and the
fees owed on the permit page (see portal/panels.py), the required inspections' progress on
the public status page, and the required inspections of every imported permit."""

from portal import panels
from portal.inspections import catalogue, checklist
from portal.permits import importer
from portal.permits.models import Permit


@panels.permit_panel("inspections", order=20, template="inspections/_permit_panel.html")
def inspections_panel(permit: Permit) -> checklist.PermitPanel:
    return checklist.permit_panel(permit)


@panels.public_panel("inspections", order=20, template="inspections/_public_panel.html")
def public_inspections(permit: Permit) -> list[checklist.PublicInspection]:
    return checklist.public_checklist(permit.id)


# Each imported permit needs the inspections its scope calls for.
importer.after_each_batch(catalogue.derive_required)
