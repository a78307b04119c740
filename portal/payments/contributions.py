"""What payments adds to the pages permits/ owns (see portal/panels.py): the fees each permit
owes, on the applicant home."""

from collections.abc import Sequence

from portal import panels
from portal.payments.services import outstanding_by_permit
from portal.permits.models import PermitParty


@panels.home_fact("fees_owed_cents")
def home_fees_owed(parties: Sequence[PermitParty]) -> dict[int, int]:
    return outstanding_by_permit([party.permit_id for party in parties])
