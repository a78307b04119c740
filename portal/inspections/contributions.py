"""What inspections adds to what permits/ owns: the checklist of required inspections and the
fees owed on the permit page (see portal/panels.py), the required inspections' progress on
the public status page, the permits whose inspection requests an unpaid reinspection fee
blocks on the applicant home, and the required inspections of every imported permit."""

from collections.abc import Sequence

from portal import panels
from portal.inspections import catalogue, checklist
from portal.payments import services as payments
from portal.permits import importer
from portal.permits.models import Permit, PermitParty
from portal.settings import services as settings


@panels.permit_panel("inspections", order=20, template="inspections/_permit_panel.html")
def inspections_panel(permit: Permit) -> checklist.PermitPanel:
    return checklist.permit_panel(permit)


@panels.public_panel("inspections", order=20, template="inspections/_public_panel.html")
def public_inspections(permit: Permit) -> list[checklist.PublicInspection]:
    return checklist.public_checklist(permit.id)


@panels.home_fact("inspections_blocked")
def home_inspections_blocked(parties: Sequence[PermitParty]) -> dict[int, bool]:
    """The permits whose new inspection requests wait for an unpaid reinspection fee."""
    if not settings.current().block_requests_when_fees_unpaid:
        return {}
    blocked = payments.with_unpaid_reinspection_fees([party.permit_id for party in parties])
    return dict.fromkeys(blocked, True)


# Each imported permit needs the inspections its scope calls for.
importer.after_each_batch(catalogue.derive_required)
