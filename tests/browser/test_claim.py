"""Claiming a permit in a real browser: a wrong code first, then the right one."""

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.permits.models import PartyRole, PermitParty
from tests.browser.helpers import check_axe, expect_error_summary, sign_in
from tests.factories import make_permit, make_user

pytestmark = pytest.mark.browser
REFUSED = "The permit number and access code do not match our records. Check both and try again."


def test_owner_claims_a_permit_after_mistyping_the_access_code(page: Page):
    owner = make_user(name="Olivia Owner")
    permit = make_permit(access_code="K7P2Q9XD")
    sign_in(page, owner)

    page.get_by_role("link", name="Claim a permit").click()
    check_axe(page)
    page.get_by_label("Permit number").fill(permit.permit_num)
    page.get_by_label("Access code").fill("K7P2Q9XB")
    page.get_by_role("button", name="Claim permit").click()

    summary = expect_error_summary(page)
    # One message that does not say which half was wrong, and what was typed stays.
    expect(summary.get_by_role("listitem")).to_have_count(1)
    expect(summary).to_contain_text(REFUSED)
    expect(page.get_by_label("Permit number")).to_have_value(permit.permit_num)
    expect(page.get_by_label("Access code")).to_have_value("K7P2Q9XB")

    page.get_by_label("Access code").fill("k7p2 q9xd")
    page.get_by_role("button", name="Claim permit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")
    expect(page.get_by_role("status").first).to_contain_text("You are now the owner")
    role = page.locator("dt", has_text="Your role").locator("xpath=following-sibling::dd[1]")
    expect(role).to_have_text("Owner")
    check_axe(page)

    db.session.expire_all()
    party = db.session.scalar(db.select(PermitParty).where(PermitParty.permit_id == permit.id))
    assert (party.user_id, party.role) == (owner.id, PartyRole.OWNER)
