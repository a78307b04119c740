"""In a real browser: an admin invites a staff member, who sets a password from the emailed
link, enrols an authenticator app with the secret shown as text, saves the recovery codes
and opens the staff home queue; the next sign-in asks for a code again."""

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from portal.auth import second_factor
from portal.auth.models import Role
from tests.browser.helpers import check_axe, choose, open_menu_item, sign_in, sign_out, visit
from tests.factories import enrol_second_factor, make_user
from tests.support.mail import link_in_email, newest_email_to

pytestmark = pytest.mark.browser

INVITEE = "ines.pector@city.example"
CHOSEN = "lantern orchard copper seven"


def _code(secret: str) -> str:
    return pyotp.TOTP(secret, interval=second_factor.STEP_SECONDS).now()


def test_an_admin_invites_a_staff_member_who_enrols_the_second_factor(
    page: Page, browser: Browser, base_url: str
):
    admin = make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin")
    enrol_second_factor(admin)

    sign_in(page, admin.email)
    open_menu_item(page, "Admin", "Staff accounts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    check_axe(page)
    page.get_by_role("link", name="Invite a staff member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a staff member")
    check_axe(page)
    page.get_by_label("Full name").fill("Ines Pector")
    page.get_by_label("Work email address").fill(INVITEE)
    choose(page, "Staff: reviews applications, inspections, fees", group="Role")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("Account created for Ines Pector")
    invited = page.get_by_role("row").filter(has_text="Ines Pector")
    expect(invited).to_contain_text("Invited: password not set yet")
    check_axe(page)

    # The invitee, in a browser of their own, opens the link from the email.
    invitee = browser.new_context(base_url=base_url).new_page()
    visit(invitee, link_in_email(newest_email_to(INVITEE), containing="/account/password/reset/"))
    invitee.get_by_label("New password", exact=True).fill(CHOSEN)
    invitee.get_by_label("Confirm new password").fill(CHOSEN)
    invitee.get_by_role("button", name="Set password").click()

    expect(invitee.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(invitee.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_axe(invitee)
    # Someone who cannot scan types the key shown as text into their app.
    secret = invitee.locator("#totp-secret").inner_text().replace(" ", "")
    invitee.get_by_label("Security code").fill("000000" if _code(secret) != "000000" else "999999")
    invitee.get_by_role("button", name="Turn on the second factor").click()
    expect(invitee.get_by_text("That code is not right").first).to_be_visible()
    check_axe(invitee)
    invitee.get_by_label("Security code").fill(_code(secret))
    invitee.get_by_role("button", name="Turn on the second factor").click()

    expect(invitee.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(invitee.locator("#recovery-codes li")).to_have_count(10)
    check_axe(invitee)
    invitee.get_by_role("link", name="I have saved my recovery codes").click()

    # Works a queue: the navigation leads to the applications waiting for review.
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Staff home")
    check_axe(invitee)
    open_menu_item(invitee, "Work queues", "Applications")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Applications")
    expect(invitee.get_by_text("No applications are waiting for review.")).to_be_visible()
    check_axe(invitee)

    # The next sign-in asks for a code from the app (the helper computes it).
    sign_out(invitee)
    sign_in(invitee, INVITEE, CHOSEN)
    expect(invitee.get_by_role("button", name="Work queues")).to_be_visible()

    # The admin sees the new account signed up and enrolled.
    page.reload()
    page.get_by_role("link", name="Ines Pector").click()
    expect(page.get_by_text("Authenticator app, set up")).to_be_visible()
    check_axe(page)
    invitee.context.close()
