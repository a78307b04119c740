"""What payments adds to the pages permits/ owns (see portal/panels.py): the fees each permit
owes, on the applicant home, in the permit page's summary (with Pay) and as its own section."""

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import panels
from portal.money import format_cents
from portal.payments.services import FeeSummary, fee_summary, outstanding_by_permit
from portal.permits.models import PartyRole, Permit, PermitParty


@panels.home_fact("fees_owed_cents")
def home_fees_owed(parties: Sequence[PermitParty]) -> dict[int, int]:
    return outstanding_by_permit([party.permit_id for party in parties])


@panels.permit_panel("fees", order=25, template="payments/_permit_panel.html", title=_l("Fees"))
def fees_panel(permit: Permit) -> FeeSummary:
    return fee_summary(permit.id)


@panels.summary_fact("fees", order=30)
def fees_summary(permit: Permit, role: PartyRole | None) -> panels.SummaryFact:
    fees = fee_summary(permit.id)
    step = None
    if fees.outstanding_count and role is not None:
        step = panels.NextStep(
            _("Pay %(amount)s in fees", amount=format_cents(fees.outstanding_cents)),
            url_for("payments.fees", permit_id=permit.id),
            panels.RANK_FEES,
        )
    return panels.SummaryFact(key="fees", data=fees, template="payments/_summary.html", step=step)
