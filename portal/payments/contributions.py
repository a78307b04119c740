"""What payments adds to the pages permits/ owns (see portal/panels.py): the fees each permit
owes, on the applicant home, in the permit page's summary (with Pay) and as its own section."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import panels
from portal.money import format_cents
from portal.payments.services import FeeSummary, fee_summary, outstanding_cents
from portal.permits.home import HomePermit
from portal.permits.models import PartyRole, Permit
from portal.routing import url_template


@dataclass(frozen=True, slots=True)
class HomeFees:
    """What a permit owes, as the home shows it: the amount, linked to the fees page."""

    amount: str
    url: str


@panels.home_fact("fees_owed", column=outstanding_cents)
def home_fees_owed(
    permits: Sequence[HomePermit], owed: Mapping[int, int | None]
) -> dict[int, HomeFees]:
    """Only the permits that owe something."""
    fees_url = url_template("payments.fees", "permit_id")
    return {
        permit_id: HomeFees(format_cents(cents), fees_url.format(permit_id=permit_id))
        for permit_id, cents in owed.items()
        if cents
    }


@panels.permit_panel("fees", order=25, template="payments/_permit_panel.html", title=_l("Fees"))
def fees_panel(permit: Permit) -> FeeSummary:
    return fee_summary(permit.id)


@panels.summary_fact("fees", order=30, panel="fees")
def fees_summary(permit: Permit, role: PartyRole | None, fees: FeeSummary) -> panels.SummaryFact:
    step = None
    if fees.outstanding_count and role is not None:
        step = panels.NextStep(
            _("Pay %(amount)s in fees", amount=format_cents(fees.outstanding_cents)),
            url_for("payments.fees", permit_id=permit.id),
            panels.RANK_FEES,
        )
    return panels.SummaryFact(key="fees", data=fees, template="payments/_summary.html", step=step)
