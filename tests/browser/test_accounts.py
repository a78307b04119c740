"""Accounts in a real browser: a newcomer registers and confirms the email address."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.extensions import db
from tests.browser.helpers import check_axe, visit
from tests.support.mail import link_in_email, newest_email_to

pytestmark = pytest.mark.browser


def test_register_then_open_the_verification_link(page: Page):
    visit(page, "/")
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_axe(page)

    page.get_by_label("Full name").fill("Rosa Diaz")
    page.get_by_label("Email address").fill("Rosa.Diaz@Example.com")
    page.get_by_label("Phone number").fill("312-555-0147")
    page.get_by_label("Password", exact=True).fill("violet tractor under mango")
    page.get_by_label("Confirm password").fill("violet tractor under mango")
    page.get_by_role("button", name="Create account").click()

    # Registering signs the newcomer in and tells them to open the link.
    expect(page.get_by_role("status").first).to_contain_text("rosa.diaz@example.com")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_axe(page)

    email = newest_email_to("rosa.diaz@example.com")
    assert "confirm" in email.subject.lower()
    visit(page, link_in_email(email, containing="/account/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Email address confirmed")
    expect(page.get_by_text("Thank you: your email address is confirmed.")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_text(re.compile(r"^Confirmed on "))).to_be_visible()
    check_axe(page)
    db.session.expire_all()
    user = db.session.scalar(db.select(User).where(User.email == "rosa.diaz@example.com"))
    assert user.email_verified
