"""Staff: refunds through Stripe's Refund API, counter payments, the payments list, reconcile."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import utcnow
from portal.payments import checkout, receipts, services
from portal.payments.cli import reconcile_command
from portal.payments.models import Fee, FeeKind, FeeStatus, Payment, PaymentMethod, PaymentStatus
from portal.pdf_fetching import RefusedURL, StaticOnlyFetcher
from tests.factories import add_party, make_permit, make_user
from tests.factories.payments import reload_payment
from tests.support.mail import outbox, receipts_sent, send
from tests.support.pages import check_page
from tests.support.stripe import event, post_event, stripe_session


@pytest.fixture
def paid(client, owner, permit, stripe_stub):
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    payment = checkout.start_checkout(
        permit, owner, [fee.id for fee in services.fees_for_permit(permit.id)]
    )
    post_event(client, event("checkout.session.completed", stripe_session(payment)))
    return reload_payment(payment.id)


def _refund(staff_client, payment, **fields):
    data = {"version": str(payment.version), "reason": "Inspector error", **fields}
    return staff_client.post(f"/staff/payments/{payment.id}/refund", data=data)


def test_a_refund_goes_through_stripe_and_the_fees_become_refunded(
    staff_client, paid, permit, owner, stripe_stub
):
    page = staff_client.get(f"/staff/payments/{paid.id}")
    check_page(page.data)
    assert b"Refund $150.00" in page.data
    response = _refund(staff_client, paid)
    assert response.status_code == 302
    [call] = stripe_stub.posts("/v1/refunds")
    assert call["params"]["payment_intent"] == paid.payment_intent_id
    assert call["params"]["metadata[payment_id]"] == str(paid.id)
    assert call["headers"]["Idempotency-Key"] == f"portal-payment-{paid.id}-refund"
    payment = reload_payment(paid.id)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refund_id.startswith("re_")
    assert {fee.status for fee in services.fees_for_permit(permit.id)} == {FeeStatus.REFUNDED}
    assert any("Refund of $150.00" in m.subject for m in outbox(owner.email))
    # Stripe's charge.refunded webhook for the same refund changes nothing more.
    charge = {"id": "ch_1", "payment_intent": paid.payment_intent_id, "refunded": True}
    post_event(staff_client, event("charge.refunded", charge))
    assert reload_payment(paid.id).status == PaymentStatus.REFUNDED
    # Twice: the second is refused, not a second refund.
    again = _refund(staff_client, payment)
    check_page(again.data)
    assert b"not possible" in again.data
    assert len(stripe_stub.posts("/v1/refunds")) == 1


def test_staff_may_make_the_refunded_fees_outstanding_again(staff_client, paid, permit):
    _refund(staff_client, paid, reopen="y")
    db.session.expire_all()
    fees = services.fees_for_permit(permit.id)
    assert sorted(fee.status for fee in fees) == sorted([FeeStatus.REFUNDED, FeeStatus.OUTSTANDING])
    assert services.unpaid_reinspection_fees(permit.id) == 1


def test_a_refund_needs_a_reason_and_a_current_version(staff_client, paid, stripe_stub):
    missing = _refund(staff_client, paid, reason="")
    check_page(missing.data)
    assert b"Enter the reason for the refund" in missing.data
    stale = _refund(staff_client, paid, version=str(paid.version - 1))
    check_page(stale.data)
    assert b"changed since you opened the page" in stale.data
    assert stripe_stub.posts("/v1/refunds") == []
    assert reload_payment(paid.id).status == PaymentStatus.SUCCEEDED


def test_a_counter_payment_pays_the_fees_with_a_receipt(staff_client, permit, owner):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    url = f"/staff/permits/{permit.id}/counter-payment"
    form = staff_client.get(url)
    check_page(form.data)
    missing = staff_client.post(url, data={"fees": [str(fee.id)], "method": "cash"})
    check_page(missing.data)
    assert b"Enter the receipt or check number" in missing.data
    done = staff_client.post(
        url, data={"fees": [str(fee.id)], "method": "check", "reference": "Check 1042"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert (payment.method, payment.status, payment.reference) == (
        PaymentMethod.CHECK,
        PaymentStatus.SUCCEEDED,
        "Check 1042",
    )
    assert db.session.get(Fee, fee.id).status == FeeStatus.PAID
    assert "receipts issued 1, not ready 0" in send(staff_client.application)
    assert len(receipts_sent(owner.email)) == 1
    detail = staff_client.get(done.headers["Location"])
    check_page(detail.data)
    assert b"Check 1042" in detail.data


def test_a_counter_payment_cannot_take_a_fee_in_an_open_online_payment(staff_client, permit, owner):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    checkout.start_checkout(permit, owner, [fee.id])
    response = staff_client.post(
        f"/staff/permits/{permit.id}/counter-payment",
        data={"fees": [str(fee.id)], "method": "cash", "reference": "R-1"},
    )
    check_page(response.data)
    assert response.status_code == 200
    assert b"in an online payment in progress" in response.data
    db.session.expire_all()
    assert db.session.get(Fee, fee.id).status == FeeStatus.OUTSTANDING


def test_the_payments_list_filters_and_totals_a_period(staff_client, permit, inspector):
    other = make_permit()
    add_party(other, make_user())
    amounts = {permit: 15000, other: 2500}
    payments = {}
    for target, amount in amounts.items():
        fee = services.assess_fee(target, FeeKind.INSPECTION, reason="x", amount_cents=amount)
        db.session.commit()
        payments[target] = services.record_counter_payment(
            target, inspector, [fee.id], PaymentMethod.CASH, "cash"
        )
    old = payments[other]
    old.created_at = old.succeeded_at = utcnow() - timedelta(days=40)
    db.session.commit()
    today = utcnow().date()
    everything = staff_client.get("/staff/payments")
    check_page(everything.data)
    assert b"$175.00" in everything.data
    period = staff_client.get(f"/staff/payments?date_from={today - timedelta(days=7)}")
    check_page(period.data)
    assert b"$150.00 (1 payment)" in period.data
    assert permit.permit_num.encode() in period.data
    assert other.permit_num.encode() not in period.data
    by_permit = staff_client.get(f"/staff/payments?q={other.permit_num.lower()}")
    assert other.permit_num.encode() in by_permit.data
    assert permit.permit_num.encode() not in by_permit.data
    refunded = staff_client.get("/staff/payments?status=refunded")
    check_page(refunded.data)
    assert b"No payments match." in refunded.data
    bad = staff_client.get("/staff/payments?date_from=not-a-date")
    check_page(bad.data)
    assert bad.status_code == 200


def test_applicants_see_no_staff_payment_pages(owner_client, paid):
    assert owner_client.get("/staff/payments").status_code == 404
    assert owner_client.get(f"/staff/payments/{paid.id}").status_code == 404
    response = owner_client.post(f"/staff/payments/{paid.id}/refund", data={"reason": "x"})
    assert response.status_code == 404


def test_reconcile_fulfils_a_paid_session_whose_webhook_never_came(app, owner, permit, stripe_stub):
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    payment = checkout.start_checkout(
        permit, owner, [fee.id for fee in services.fees_for_permit(permit.id)]
    )
    stripe_stub.pay(payment.checkout_session_id)
    runner = app.test_cli_runner()
    result = runner.invoke(reconcile_command, ["--since", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "was pending and Stripe says paid: fulfilled" in result.output
    assert "Fixed 1 payment(s)." in result.output
    [listing] = [
        c
        for c in stripe_stub.calls
        if c["method"] == "get" and c["path"] == "/v1/checkout/sessions"
    ]
    assert listing["params"]["created[gte]"] == "1767225600"
    assert reload_payment(payment.id).status == PaymentStatus.SUCCEEDED
    again = runner.invoke(reconcile_command, ["--since", "2026-01-01"])
    assert "already succeeded" in again.output
    assert "Fixed 0 payment(s)." in again.output
    send(app)
    assert len(receipts_sent(owner.email)) == 1
    assert db.session.scalar(select(func.count(Payment.id))) == 1


def test_reconcile_in_test_mode_says_so(app):
    result = app.test_cli_runner().invoke(reconcile_command, ["--since", "2026-01-01"])
    assert result.exit_code == 0
    assert "Test mode" in result.output


def test_the_receipt_renderer_reads_only_static_files(app):
    root = receipts._static_root()
    fetcher = StaticOnlyFetcher(root)
    for url in ("https://example.com/x.png", "file:///etc/passwd", f"{root.as_uri()}/../x"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    fetcher.fetch(f"{root.as_uri()}/css/portal.css")
