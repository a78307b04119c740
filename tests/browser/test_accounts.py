"""Accounts in a real browser: a newcomer registers and confirms the email address; a
person signed in on two devices signs the other one out."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.extensions import db
from tests.browser.helpers import check_axe, sign_in, sign_out, visit
from tests.factories import make_user
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
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
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


def test_sign_out_of_all_other_devices(page: Page, new_context):
    make_user(email="pat@example.com", name="Pat Lee")
    phone = new_context().new_page()
    sign_in(phone, "pat@example.com")
    sign_in(page, "pat@example.com")

    page.get_by_role("link", name="Your account").click()
    page.get_by_role("button", name="Sign out of all other devices").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "You are signed out on every other device."
    )
    check_axe(page)

    phone.reload()
    expect(phone.get_by_role("link", name="Sign in").first).to_be_visible()
    visit(phone, "/account/profile")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")
    # This device is still signed in, until it signs out.
    visit(page, "/account/profile")
    sign_out(page)
