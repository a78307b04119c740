"""Test mode (no STRIPE_SECRET_KEY): the portal's own checkout page drives the real webhook path."""

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import UnsafeConfiguration
from portal.extensions import db
from portal.payments import services
from portal.payments.models import FeeKind, FeeStatus, Payment, PaymentStatus, ProcessedStripeEvent
from portal.payments.stripe_client import DEVELOPMENT_WEBHOOK_SECRET
from tests.factories.payments import reload_payment
from tests.support.mail import receipts_sent, send
from tests.support.pages import check_page


@pytest.fixture
def fee(permit):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    return fee


def _start(client, permit, fee):
    response = client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(fee.id)]})
    assert response.status_code == 303
    payment = db.session.scalar(select(Payment))
    assert response.headers["Location"] == (
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout"
    )
    page = client.get(response.headers["Location"])
    check_page(page.data)
    assert b"Test mode: no card is charged" in page.data
    return payment


def test_pay_runs_the_signed_webhook_path_and_fulfils(owner_client, permit, fee, owner):
    fees_page = owner_client.get(f"/permits/{permit.id}/fees")
    assert b"test mode: no card will be charged" in fees_page.data
    payment = _start(owner_client, permit, fee)
    response = owner_client.post(
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout", data={"action": "pay"}
    )
    assert response.status_code == 302
    page = owner_client.get(response.headers["Location"])
    check_page(page.data)
    assert b"Payment received" in page.data
    payment = reload_payment(payment.id)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert db.session.get(type(fee), fee.id).status == FeeStatus.PAID
    [processed] = db.session.scalars(select(ProcessedStripeEvent))
    assert processed.event_type == "checkout.session.completed"
    assert processed.event_id.startswith("evt_test_portal_")
    send(owner_client.application)
    assert len(receipts_sent(owner.email)) == 1
    # A second press (back button) finds the payment closed and changes nothing.
    again = owner_client.post(
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout", data={"action": "pay"}
    )
    assert again.status_code == 200
    check_page(again.data)
    assert b"This payment is no longer open" in again.data
    assert len(receipts_sent(owner.email)) == 1


def test_decline_leaves_the_fee_outstanding_with_a_clear_message(owner_client, permit, fee):
    payment = _start(owner_client, permit, fee)
    response = owner_client.post(
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout", data={"action": "decline"}
    )
    page = owner_client.get(response.headers["Location"])
    check_page(page.data)
    assert b"Your payment was declined. Nothing was charged" in page.data
    assert reload_payment(payment.id).status == PaymentStatus.FAILED
    assert db.session.get(type(fee), fee.id).status == FeeStatus.OUTSTANDING
    fees_page = owner_client.get(f"/permits/{permit.id}/fees")
    assert b"Pay the selected fees" in fees_page.data


def test_cancel_leaves_the_fee_outstanding_and_pay_resumes_the_same_payment(
    owner_client, permit, fee
):
    payment = _start(owner_client, permit, fee)
    response = owner_client.post(
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout", data={"action": "cancel"}
    )
    page = owner_client.get(response.headers["Location"])
    check_page(page.data)
    assert b"Nothing was charged and the fees are still outstanding" in page.data
    assert reload_payment(payment.id).status == PaymentStatus.PENDING
    assert db.session.get(type(fee), fee.id).status == FeeStatus.OUTSTANDING
    again = owner_client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(fee.id)]})
    assert again.headers["Location"].endswith(f"/payments/{payment.id}/test-checkout")


def test_the_development_secret_signs_when_none_is_configured(app, owner_client, permit, fee):
    assert app.config["STRIPE_WEBHOOK_SECRET"] == ""
    payment = _start(owner_client, permit, fee)
    owner_client.post(
        f"/permits/{permit.id}/payments/{payment.id}/test-checkout", data={"action": "pay"}
    )
    assert reload_payment(payment.id).status == PaymentStatus.SUCCEEDED
    assert DEVELOPMENT_WEBHOOK_SECRET.startswith("whsec_")


def test_the_test_checkout_page_does_not_exist_with_a_stripe_key(
    owner_client, permit, fee, stripe_stub
):
    payment = _start_card(owner_client, permit, fee)
    url = f"/permits/{permit.id}/payments/{payment.id}/test-checkout"
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, data={"action": "pay"}).status_code == 404
    assert reload_payment(payment.id).status == PaymentStatus.PENDING


def _start_card(client, permit, fee):
    client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(fee.id)]})
    return db.session.scalar(select(Payment))


def test_production_refuses_test_mode(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1/db")
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    with pytest.raises(UnsafeConfiguration, match="test-mode payments"):
        create_app()
