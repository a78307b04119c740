"""What inspections adds to what permits/ owns: the checklist of required inspections on the
permit page and its line and next step in the page's summary (see portal/panels.py), the
required inspections' progress on the public status page, the permits whose inspection
requests an unpaid reinspection fee blocks on the applicant home, the required
inspections of every imported permit, and the inspections' export among the staff's."""

from collections.abc import Mapping, Sequence

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_

from portal import panels
from portal.inspections import catalogue, checklist, export
from portal.payments import services as payments
from portal.permits import exports, importer
from portal.permits.home import HomePermit
from portal.permits.models import PartyRole, Permit
from portal.routing import url_template
from portal.settings import services as settings


@panels.permit_panel(
    "inspections", order=20, template="inspections/_permit_panel.html", title=_l("Inspections")
)
def inspections_panel(permit: Permit) -> checklist.PermitPanel:
    return checklist.permit_panel(permit)


def _next_step(
    permit: Permit, line: checklist.InspectionSummary, panel: checklist.PermitPanel
) -> panels.NextStep | None:
    """Pay the fee that blocks requests, else request one, else be there for the next visit."""
    if panel.blocked_by_fees:
        return panels.NextStep(
            _("Pay the reinspection fee before requesting inspections"),
            url_for("payments.fees", permit_id=permit.id),
            panels.RANK_FEES,
        )
    if panel.can_request:
        return panels.NextStep(
            _("Request an inspection"),
            url_for("inspections.request_inspection", permit_id=permit.id),
            panels.RANK_INSPECTIONS,
        )
    if line.next_visit is not None:
        return panels.NextStep(
            _(
                "Be on site with the stamped plans for the %(inspection)s inspection",
                inspection=line.next_visit.required.inspection_type.name,
            ),
            rank=panels.RANK_INSPECTIONS,
        )
    return None


@panels.summary_fact("inspections", order=20, panel="inspections")
def inspections_summary(
    permit: Permit, role: PartyRole | None, panel: checklist.PermitPanel
) -> panels.SummaryFact | None:
    line = checklist.summary(panel)
    if not line.required:
        return None
    return panels.SummaryFact(
        key="inspections",
        data=line,
        template="inspections/_summary.html",
        step=None if role is None else _next_step(permit, line, panel),
    )


@panels.public_panel("inspections", order=20, template="inspections/_public_panel.html")
def public_inspections(permit: Permit) -> list[checklist.PublicInspection]:
    return checklist.public_checklist(permit.id)


def requests_blocked(permit_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether new inspection requests of the permit `permit_id` wait for an unpaid
    reinspection fee: the department's rule, and a fee owed."""
    return and_(
        settings.rule_in_sql("block_requests_when_fees_unpaid"),
        payments.owes_reinspection_fee(permit_id),
    )


@panels.home_fact("inspections_blocked", column=requests_blocked)
def home_inspections_blocked(
    permits: Sequence[HomePermit], blocked: Mapping[int, bool]
) -> dict[int, str]:
    """The permits whose new inspection requests wait for an unpaid reinspection fee, each
    with the address of its fees page."""
    fees_url = url_template("payments.fees", "permit_id")
    return {
        permit_id: fees_url.format(permit_id=permit_id)
        for permit_id, is_blocked in blocked.items()
        if is_blocked
    }


# Each imported permit needs the inspections its scope calls for.
importer.after_each_batch(catalogue.derive_required)


# The inspections' BLDS file among the staff's exports (permits.exports): no filters.
exports.kind(
    "inspections",
    label=_l("Inspections"),
    rows=lambda filters: export.blds_rows(),
    describe=lambda filters: [_("Every inspection with a result")],
)
