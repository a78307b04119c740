"""Paying a reinspection fee in a real browser, in test mode (no Stripe key): a declined
card and a cancelled checkout leave the fee outstanding with a clear message; paying shows
the receipt, its PDF downloads, and the inspection request the fee blocked goes through."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import calendar
from portal.extensions import db
from portal.inspections import catalogue, deadlines
from portal.payments import services as payment_services
from portal.payments.models import Fee, FeeKind, FeeStatus, Payment, PaymentStatus
from portal.permits.models import PartyRole
from tests.browser.helpers import check_axe, choose, sign_in, visit
from tests.factories import add_party, make_permit, make_user
from tests.support.mail import newest_email_to

pytestmark = pytest.mark.browser

INSPECTION = "Final refrigeration"
BLOCKED = "Pay the reinspection fee before requesting inspections"


def _permit_with_a_reinspection_fee(app):
    catalogue.seed_types()
    owner = make_user(name="Olivia Owner", email="olivia.pays@example.com")
    permit = make_permit(scope=["refrigeration"], description="Walk-in coolers")
    add_party(permit, owner, PartyRole.OWNER)
    catalogue.derive_required({permit.id: permit.scope})
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        payment_services.assess_fee(
            permit, FeeKind.REINSPECTION, reason="No access at the final refrigeration visit"
        )
    db.session.commit()
    return permit, owner


def _fee_status() -> FeeStatus:
    db.session.expire_all()
    return db.session.scalar(select(Fee.status))


def _to_test_checkout(page: Page, permit) -> None:
    visit(page, f"/permits/{permit.id}/fees")
    expect(
        page.get_by_text("This portal is in test mode: no card will be charged.")
    ).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Reinspection fee"))).to_be_checked()
    page.get_by_role("button", name="Pay the selected fees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment")
    expect(page.get_by_role("heading", name="Test mode: no card is charged")).to_be_visible()
    check_axe(page)
    _opposite_actions_apart(page)


def _opposite_actions_apart(page: Page) -> None:
    """Pay, Decline and Cancel never touch, side by side or stacked (issue 16)."""
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        boxes = [
            page.get_by_role("button", name=name).bounding_box()
            for name in (re.compile("^Pay "), "Decline", "Cancel")
        ]
        for one, other in zip(boxes, boxes[1:], strict=False):
            across = other["x"] - (one["x"] + one["width"])
            down = other["y"] - (one["y"] + one["height"])
            assert max(across, down) >= 16, (width, one, other)


def _request_inspection(page: Page) -> None:
    """Fill and send the request form the page shows."""
    check_axe(page)
    page.get_by_label("Inspection", exact=True).select_option(label=f"Final: {INSPECTION}")
    first = deadlines.earliest_inspection_day()
    second = calendar.add_business_days(first, 1)
    page.get_by_label("First preferred date").fill(first.isoformat())
    page.get_by_label("Second preferred date").fill(second.isoformat())
    choose(page, "Morning (8 am to 12 noon)", group="Time of day")
    from portal.inspections.forms import DUTY_LABELS

    for label in DUTY_LABELS.values():
        choose(page, str(label))
    page.get_by_role("button", name="Send the request").click()


def test_decline_cancel_then_pay_a_reinspection_fee(app, page: Page):
    permit, owner = _permit_with_a_reinspection_fee(app)
    sign_in(page, owner)

    # The unpaid fee blocks a new inspection request, and the pages say so before any form.
    visit(page, f"/permits/{permit.id}")
    expect(page.get_by_text(BLOCKED)).to_be_visible()
    expect(page.get_by_role("link", name="Request an inspection")).to_have_count(0)
    check_axe(page)
    visit(page, f"/permits/{permit.id}/inspections/request")
    expect(page.locator("#fees-block-requests")).to_contain_text("Pay the reinspection fee first")
    expect(page.get_by_role("button", name="Send the request")).to_have_count(0)
    check_axe(page)

    # A declined card: nothing charged, the fee still outstanding.
    _to_test_checkout(page, permit)
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The payment was declined")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your payment was declined. Nothing was charged and the fees are still outstanding."
    )
    check_axe(page)
    assert _fee_status() == FeeStatus.OUTSTANDING

    # Leaving the checkout: nothing charged either.
    _to_test_checkout(page, permit)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment cancelled")
    expect(page.get_by_role("status").first).to_contain_text(
        "Nothing was charged and the fees are still outstanding."
    )
    check_axe(page)
    assert _fee_status() == FeeStatus.OUTSTANDING
    page.get_by_role("link", name=re.compile("Back to the fees")).click()
    expect(page.get_by_role("heading", name="$150.00 outstanding")).to_be_visible()
    check_axe(page)

    # Paying: the same open payment resumes, and the receipt follows.
    page.get_by_role("link", name="Continue this payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment")
    check_axe(page)
    page.get_by_role("button", name="Pay $150.00").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    expect(page.get_by_role("link", name="Request the inspection now")).to_be_visible()
    check_axe(page)
    db.session.expire_all()
    payment = db.session.scalar(select(Payment).where(Payment.status == PaymentStatus.SUCCEEDED))
    expect(page.get_by_text(payment.receipt_number)).to_be_visible()
    assert _fee_status() == FeeStatus.PAID
    assert (
        db.session.scalar(
            select(db.func.count(Payment.id)).where(Payment.status == PaymentStatus.FAILED)
        )
        == 1
    )

    # The receipt is rendered after the payment: by `flask outbox send`, or (here, before
    # the next run) by the first download, which queues its email too.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{payment.receipt_number}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    receipt = newest_email_to(owner.email)
    assert receipt.subject.startswith(f"Receipt {payment.receipt_number}")
    assert [a["content_type"] for a in receipt.attachments] == ["application/pdf"]

    visit(page, f"/permits/{permit.id}/fees")
    expect(page.get_by_text("Nothing is outstanding on this permit.")).to_be_visible()
    expect(
        page.get_by_role("link", name=f"Receipt {payment.receipt_number}", exact=True)
    ).to_be_visible()

    # The request the fee blocked now goes through, from the payment's page.
    visit(page, f"/permits/{permit.id}/payments/{payment.id}")
    page.get_by_role("link", name="Request the inspection now").click()
    _request_inspection(page)
    expect(page.get_by_role("status").first).to_contain_text("Your request was sent")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{INSPECTION} inspection")
    check_axe(page)
