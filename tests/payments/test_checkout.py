"""Starting a payment: the Checkout Session Stripe is asked for, and one open payment per fee."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import utcnow
from portal.payments import checkout, services
from portal.payments.models import (
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
)
from tests.factories import make_permit
from tests.factories.payments import open_lines, reload_payment
from tests.support.pages import check_page


def _fees(permit, *amounts):
    fees = [
        services.assess_fee(permit, FeeKind.INSPECTION, reason=f"Fee {n}", amount_cents=amount)
        for n, amount in enumerate(amounts)
    ]
    db.session.commit()
    return fees


def test_the_checkout_session_is_built_on_the_server_with_an_idempotency_key(
    app, owner_client, owner, permit, stripe_stub
):
    reinspection = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    boiler = services.assess_fee(permit, FeeKind.INSPECTION, reason="Boiler", amount_cents=4550)
    db.session.commit()
    page = owner_client.get(f"/permits/{permit.id}/fees")
    check_page(page.data)
    assert b"Pay the selected fees" in page.data
    assert page.data.count(b'checked name="fees"') + page.data.count(b"checked>") >= 2

    # The browser can only pick fees; an amount it sends is ignored.
    response = owner_client.post(
        f"/permits/{permit.id}/fees/pay",
        data={"fees": [str(reinspection.id), str(boiler.id)], "amount": "1"},
    )
    assert response.status_code == 303
    [call] = stripe_stub.posts("/v1/checkout/sessions")
    assert (
        response.headers["Location"]
        == stripe_stub.sessions[next(iter(stripe_stub.sessions))]["url"]
    )
    payment = db.session.scalar(select(Payment))
    params = call["params"]
    assert params["mode"] == "payment"
    assert params["line_items[0][quantity]"] == "1"
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["line_items[0][price_data][unit_amount]"] == "15000"
    assert params["line_items[0][price_data][product_data][name]"] == "Reinspection fee"
    assert params["line_items[1][price_data][unit_amount]"] == "4550"
    assert "Boiler" in params["line_items[1][price_data][product_data][name]"]
    assert "line_items[2][quantity]" not in params
    assert params["customer_email"] == owner.email
    assert params["client_reference_id"] == f"payment-{payment.id}"
    assert params["metadata[payment_id]"] == str(payment.id)
    assert params["metadata[permit_id]"] == str(permit.id)
    base = app.config["PORTAL_BASE_URL"]
    assert params["success_url"] == (
        f"{base}/permits/{permit.id}/payments/{payment.id}?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert params["cancel_url"] == f"{base}/permits/{permit.id}/payments/{payment.id}/cancelled"
    expires = int(params["expires_at"]) - int(utcnow().timestamp())
    assert 29 * 60 <= expires <= 30 * 60
    assert call["headers"]["Idempotency-Key"] == f"portal-payment-{payment.id}-checkout"
    assert call["url"].startswith("https://api.stripe.com/v1/checkout/sessions")
    assert (payment.amount_cents, payment.method, payment.status) == (
        19550,
        PaymentMethod.CARD,
        PaymentStatus.PENDING,
    )
    assert {line.open_fee_id for line in open_lines()} == {reinspection.id, boiler.id}


def test_a_second_click_or_tab_returns_the_same_open_checkout(
    owner_client, contractor_client, permit, stripe_stub
):
    first_fee, second_fee = _fees(permit, 5000, 7000)
    first = owner_client.post(
        f"/permits/{permit.id}/fees/pay", data={"fees": [str(first_fee.id), str(second_fee.id)]}
    )
    again = owner_client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(first_fee.id)]})
    other_party = contractor_client.post(
        f"/permits/{permit.id}/fees/pay", data={"fees": [str(second_fee.id)]}
    )
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Location"] == other_party.headers["Location"]
    assert len(stripe_stub.posts("/v1/checkout/sessions")) == 1
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    page = owner_client.get(f"/permits/{permit.id}/fees")
    check_page(page.data)
    assert b"A payment of $120.00 is in progress" in page.data
    assert b"Continue this payment" in page.data


def test_the_database_refuses_a_fee_in_two_open_payments(permit, owner):
    [fee] = _fees(permit, 5000)
    for _ in range(2):
        payment = Payment(
            permit_id=permit.id, method=PaymentMethod.CARD, amount_cents=5000, customer_email="x"
        )
        payment.lines = [
            PaymentFee(fee_id=fee.id, open_fee_id=fee.id, amount_cents=5000, description="x")
        ]
        db.session.add(payment)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_expired_open_payment_frees_its_fees_for_a_new_one(owner, permit, stripe_stub):
    [fee] = _fees(permit, 5000)
    old = checkout.start_checkout(permit, owner, [fee.id])
    old.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    stripe_stub.sessions[old.checkout_session_id]["status"] = "expired"
    new = checkout.start_checkout(permit, owner, [fee.id])
    assert new.id != old.id
    assert reload_payment(old.id).status == PaymentStatus.EXPIRED
    assert [line.payment_id for line in open_lines()] == [new.id]


def test_bad_choices_get_a_clear_message_and_change_nothing(
    owner_client, owner, permit, stripe_stub
):
    paid, free = _fees(permit, 5000, 0)
    paid.status = FeeStatus.PAID
    db.session.commit()
    foreign = make_permit()
    foreign_fee = services.assess_fee(foreign, FeeKind.INSPECTION, reason="x", amount_cents=100)
    db.session.commit()
    for fees, message in (
        ([paid.id], b"no longer outstanding"),
        ([free.id], b"total $0.00, so there is nothing to pay"),
        ([foreign_fee.id], b"Select the fees you want to pay"),
        ([], b"Select the fees you want to pay"),
    ):
        response = owner_client.post(
            f"/permits/{permit.id}/fees/pay", data={"fees": [str(i) for i in fees]}
        )
        assert response.status_code == 200
        check_page(response.data)
        assert message in response.data
        assert b"Error:" in response.data
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert stripe_stub.calls == []


def test_stripe_down_is_a_message_not_a_500_and_releases_the_fees(
    owner_client, permit, stripe_stub
):
    [fee] = _fees(permit, 5000)
    stripe_stub.fail_next = 400
    response = owner_client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(fee.id)]})
    assert response.status_code == 200
    check_page(response.data)
    assert b"Online payment is not available right now" in response.data
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.FAILED
    assert open_lines() == []
    assert db.session.get(Fee, fee.id).status == FeeStatus.OUTSTANDING


def test_stripe_api_base_points_the_client_elsewhere(app, owner, permit, stripe_stub, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:12111")
    [fee] = _fees(permit, 5000)
    checkout.start_checkout(permit, owner, [fee.id])
    assert stripe_stub.calls[0]["url"].startswith("http://127.0.0.1:12111/v1/checkout/sessions")


def test_staff_cannot_pay_online_for_a_permit(staff_client, permit):
    [fee] = _fees(permit, 5000)
    response = staff_client.post(f"/permits/{permit.id}/fees/pay", data={"fees": [str(fee.id)]})
    assert response.status_code == 404


@pytest.mark.postgres_only
def test_two_tabs_at_the_same_instant_make_one_payment(app, owner, permit):
    """Test mode (no Stripe), threads on PostgreSQL: the unique open_fee_id decides."""
    fee_ids = [fee.id for fee in _fees(permit, 5000, 6000)]
    permit_id, owner_id = permit.id, owner.id
    barrier = threading.Barrier(5)
    results, errors = [], []

    def start():
        try:
            with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
                from portal.auth.models import User
                from portal.permits.models import Permit

                local_permit = db.session.get(Permit, permit_id)
                local_owner = db.session.get(User, owner_id)
                barrier.wait()
                results.append(checkout.start_checkout(local_permit, local_owner, fee_ids).id)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    time.sleep(0)
    assert errors == []
    assert len(set(results)) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
