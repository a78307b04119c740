"""Fulfilment exactly once: webhooks (signed with stripe's own helper) and the return page."""

import subprocess
import threading
import time

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.documents.store import read_bytes
from portal.extensions import db
from portal.payments import checkout, services
from portal.payments.models import (
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentStatus,
    ProcessedStripeEvent,
)
from portal.payments.receipt_delivery import issue_due_receipts
from tests.factories.payments import open_lines, reload_payment
from tests.support.mail import receipts_sent
from tests.support.pages import check_page
from tests.support.snapshot import changes, snapshot
from tests.support.stripe import SECRET, event, post_event, signed, stripe_session


def _fee_statuses(permit) -> set:
    db.session.expire_all()
    return {fee.status for fee in services.fees_for_permit(permit.id)}


def test_a_completed_session_pays_the_fees_with_a_receipt_pdf_and_email(
    client, started, permit, owner
):
    response = post_event(client, event("checkout.session.completed", stripe_session(started)))
    assert response.status_code == 200
    payment = reload_payment(started.id)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.payment_intent_id == f"pi_{payment.id}_fixture"
    assert payment.receipt_number == f"R-{payment.succeeded_at:%Y}-{payment.id:06d}"
    assert _fee_statuses(permit) == {FeeStatus.PAID}
    assert open_lines() == []
    # The receipt is rendered and emailed after the webhook's commit, not inside it.
    assert (payment.receipt_file, receipts_sent()) == (None, [])
    assert issue_due_receipts() == (1, 0)
    payment = reload_payment(started.id)
    [email] = receipts_sent(owner.email)
    assert payment.receipt_number in email.subject
    assert "$200.00" in email.body_text
    [attachment] = email.attachments
    assert attachment["sha256"] == payment.receipt_file.sha256
    pdf = read_bytes(payment.receipt_file)
    assert pdf.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        payment.receipt_number,
        permit.permit_num,
        permit.original_address1,
        "Reinspection fee",
        "Boiler",
        "$150.00",
        "$50.00",
        "$200.00",
        f"pi_{payment.id}_fixture",
    ):
        assert expected in text, expected
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"payment.succeeded", "payment.receipt_issued"} <= actions
    assert issue_due_receipts() == (0, 0)


def test_the_same_event_five_times_fulfils_once(client, started, owner):
    body = event("checkout.session.completed", stripe_session(started))
    answers = [post_event(client, body).get_json()["outcome"] for _ in range(5)]
    assert answers == ["processed"] + ["duplicate"] * 4
    # Stripe may also send the same news as another event (e.g. async success).
    post_event(client, event("checkout.session.async_payment_succeeded", stripe_session(started)))
    issue_due_receipts()
    issue_due_receipts()
    assert len(receipts_sent(owner.email)) == 1
    assert db.session.scalar(select(func.count(ProcessedStripeEvent.id))) == 2
    assert reload_payment(started.id).status == PaymentStatus.SUCCEEDED
    succeeded = select(func.count(AuditEvent.id)).where(AuditEvent.action == "payment.succeeded")
    assert db.session.scalar(succeeded) == 1


def test_an_expiry_after_the_completion_changes_nothing(client, started, permit):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    expired = stripe_session(started, status="expired", payment_status="unpaid")
    assert post_event(client, event("checkout.session.expired", expired)).status_code == 200
    assert reload_payment(started.id).status == PaymentStatus.SUCCEEDED
    assert _fee_statuses(permit) == {FeeStatus.PAID}


def test_expiry_and_failure_leave_the_fees_outstanding_and_free(client, started, permit, owner):
    expired = stripe_session(started, status="expired", payment_status="unpaid")
    post_event(client, event("checkout.session.expired", expired))
    assert reload_payment(started.id).status == PaymentStatus.EXPIRED
    assert open_lines() == []
    assert _fee_statuses(permit) == {FeeStatus.OUTSTANDING}
    # A completion arriving after the portal let the fees go is flagged, not fulfilled.
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    payment = reload_payment(started.id)
    assert payment.status == PaymentStatus.EXPIRED
    assert payment.flagged_at is not None
    assert receipts_sent() == []

    again = checkout.start_checkout(
        permit, owner, [fee.id for fee in services.fees_for_permit(permit.id)]
    )
    unpaid = stripe_session(again, payment_status="unpaid")
    post_event(client, event("checkout.session.async_payment_failed", unpaid))
    assert reload_payment(again.id).status == PaymentStatus.FAILED
    assert _fee_statuses(permit) == {FeeStatus.OUTSTANDING}
    assert open_lines() == []


def test_return_before_the_webhook(owner_client, client, started, permit, owner, stripe_stub):
    stripe_stub.pay(started.checkout_session_id)
    page = owner_client.get(
        f"/permits/{permit.id}/payments/{started.id}?session_id={started.checkout_session_id}"
    )
    assert page.status_code == 200
    check_page(page.data)
    assert b"Payment received" in page.data
    assert b"Download the receipt" in page.data
    gets = [c for c in stripe_stub.calls if c["method"] == "get"]
    assert gets[0]["path"] == f"/v1/checkout/sessions/{started.checkout_session_id}"
    session = stripe_stub.sessions[started.checkout_session_id]
    post_event(client, event("checkout.session.completed", session))
    issue_due_receipts()
    assert len(receipts_sent(owner.email)) == 1
    assert _fee_statuses(permit) == {FeeStatus.PAID}


def test_webhook_before_the_return(owner_client, client, started, permit, owner, stripe_stub):
    session = stripe_stub.pay(started.checkout_session_id)
    post_event(client, event("checkout.session.completed", session))
    calls = len(stripe_stub.calls)
    page = owner_client.get(
        f"/permits/{permit.id}/payments/{started.id}?session_id={started.checkout_session_id}"
    )
    check_page(page.data)
    assert b"Payment received" in page.data
    assert len(stripe_stub.calls) == calls, "a paid payment needs no call to Stripe"
    # The first download issues the receipt the outbox run has not issued yet.
    pdf = owner_client.get(f"/permits/{permit.id}/payments/{started.id}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert len(receipts_sent(owner.email)) == 1
    assert issue_due_receipts() == (0, 0)
    again = owner_client.get(f"/permits/{permit.id}/payments/{started.id}/receipt.pdf")
    assert again.data == pdf.data
    assert len(receipts_sent(owner.email)) == 1
    fees_page = owner_client.get(f"/permits/{permit.id}/fees")
    check_page(fees_page.data)
    payment = reload_payment(started.id)
    assert f"Receipt {payment.receipt_number}".encode() in fees_page.data
    assert b"Nothing is outstanding on this permit." in fees_page.data


def test_the_return_page_says_processing_until_stripe_confirms(owner_client, started, permit):
    url = f"/permits/{permit.id}/payments/{started.id}?session_id={started.checkout_session_id}"
    page = owner_client.get(url)
    assert page.status_code == 200
    check_page(page.data)
    assert b"Your payment is processing" in page.data
    assert b'data-payment-state="processing"' in page.data
    assert b"payment_status.js" in page.data
    assert b"declined" not in page.data.lower()
    assert reload_payment(started.id).status == PaymentStatus.PENDING


def test_a_session_id_of_another_payment_changes_nothing(
    owner_client, started, permit, owner, stripe_stub
):
    stripe_stub.pay(started.checkout_session_id)
    before = snapshot()
    page = owner_client.get(
        f"/permits/{permit.id}/payments/{started.id}?session_id=cs_test_someone_else"
    )
    assert page.status_code == 400
    check_page(page.data)
    assert b"does not belong to this payment" in page.data
    assert changes(before, snapshot()) == {}


def test_someone_elses_payment_is_a_404(app, started, permit):
    from tests.factories import add_party, make_permit, make_user, sign_in_as

    stranger = make_user()
    own = make_permit()
    add_party(own, stranger)
    client = app.test_client()
    sign_in_as(client, stranger)
    assert client.get(f"/permits/{permit.id}/payments/{started.id}").status_code == 404
    assert client.get(f"/permits/{own.id}/payments/{started.id}").status_code == 404
    assert client.get(f"/permits/{own.id}/payments/{started.id}/receipt.pdf").status_code == 404


@pytest.mark.parametrize("problem", ["tampered body", "wrong secret", "old timestamp", "none"])
def test_a_bad_signature_is_a_400_and_changes_nothing(client, started, problem):
    body = event("checkout.session.completed", stripe_session(started))
    if problem == "wrong secret":
        payload, header = signed(body, secret="whsec_not_ours")
    elif problem == "old timestamp":
        payload, header = signed(body, timestamp=int(time.time()) - 301)
    else:
        payload, header = signed(body)
    if problem == "tampered body":
        payload = payload.replace(b'"amount_total": 20000', b'"amount_total": 2')
        assert b'"amount_total": 2,' in payload
    if problem == "none":
        header = ""
    before = snapshot()
    response = client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": header},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert changes(before, snapshot()) == {}


def test_an_amount_or_currency_mismatch_is_flagged_not_fulfilled(
    client, staff_client, started, permit
):
    post_event(client, event("checkout.session.completed", stripe_session(started, amount_total=1)))
    payment = reload_payment(started.id)
    assert payment.status == PaymentStatus.PENDING
    assert payment.flagged_at is not None
    assert "expected 20000 usd" in payment.flag_reason
    assert _fee_statuses(permit) == {FeeStatus.OUTSTANDING}
    assert receipts_sent() == []
    # Even a later, correct report does not fulfil it: staff decide.
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    assert reload_payment(started.id).status == PaymentStatus.PENDING
    listing = staff_client.get("/staff/payments?status=attention")
    check_page(listing.data)
    assert f"/staff/payments/{started.id}".encode() in listing.data
    detail = staff_client.get(f"/staff/payments/{started.id}")
    check_page(detail.data)
    assert b"Needs attention" in detail.data


def test_a_currency_mismatch_is_flagged(client, started):
    post_event(client, event("checkout.session.completed", stripe_session(started, currency="eur")))
    payment = reload_payment(started.id)
    assert (payment.status, payment.flagged_at is not None) == (PaymentStatus.PENDING, True)


def test_other_event_types_get_200_and_do_nothing(client, started):
    before = snapshot()
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert changes(before, snapshot()) == {}


def test_a_session_that_is_not_the_portals_changes_no_payment(client, started):
    session = stripe_session(started, id="cs_test_from_another_app")
    assert post_event(client, event("checkout.session.completed", session)).status_code == 200
    assert reload_payment(started.id).status == PaymentStatus.PENDING


def test_a_refund_made_in_stripe_refunds_the_payment(client, started, permit):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": f"pi_{started.id}_fixture",
        "amount": 20000,
        "amount_refunded": 20000,
        "refunded": True,
    }
    post_event(client, event("charge.refunded", charge))
    assert reload_payment(started.id).status == PaymentStatus.REFUNDED
    assert _fee_statuses(permit) == {FeeStatus.REFUNDED}


def test_a_fee_waived_while_its_payment_was_open_is_flagged_for_a_refund(client, started, permit):
    fee = db.session.scalar(select(Fee).where(Fee.kind == FeeKind.INSPECTION))
    fee.status = FeeStatus.WAIVED
    db.session.commit()
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    payment = reload_payment(started.id)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert "consider a refund" in payment.flag_reason
    assert db.session.get(Fee, fee.id).status == FeeStatus.WAIVED


def _deliver_at_once(app, bodies, secret=SECRET):
    barrier = threading.Barrier(len(bodies))
    statuses, errors = [], []

    def deliver(body):
        try:
            client = app.test_client()
            payload, header = signed(body, secret=secret)
            barrier.wait()
            response = client.post(
                "/payments/stripe/webhook",
                data=payload,
                headers={"Stripe-Signature": header},
                content_type="application/json",
            )
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, errors


@pytest.mark.postgres_only
def test_five_deliveries_at_once_fulfil_once(app, started, owner, permit):
    body = event("checkout.session.completed", stripe_session(started))
    statuses, errors = _deliver_at_once(app, [body] * 5)
    assert errors == []
    assert statuses == [200] * 5
    db.session.expire_all()
    assert reload_payment(started.id).status == PaymentStatus.SUCCEEDED
    issue_due_receipts()
    assert len(receipts_sent(owner.email)) == 1
    assert _fee_statuses(permit) == {FeeStatus.PAID}
    assert db.session.scalar(select(func.count(ProcessedStripeEvent.id))) == 1


@pytest.mark.postgres_only
def test_five_different_events_for_one_session_at_once_fulfil_once(app, started, owner):
    session = stripe_session(started)
    bodies = [event("checkout.session.completed", session) for _ in range(3)] + [
        event("checkout.session.async_payment_succeeded", session) for _ in range(2)
    ]
    statuses, errors = _deliver_at_once(app, bodies)
    assert errors == []
    assert statuses == [200] * 5
    db.session.expire_all()
    issue_due_receipts()
    assert len(receipts_sent(owner.email)) == 1
    succeeded = select(func.count(AuditEvent.id)).where(AuditEvent.action == "payment.succeeded")
    assert db.session.scalar(succeeded) == 1
    assert db.session.scalar(select(func.count(Payment.id))) == 1


MALFORMED = {
    "data.object is a string": lambda s: event("checkout.session.completed", "cs_test_1"),
    "data.object is missing": lambda s: {**event("checkout.session.completed", {}), "data": {}},
    "the type is an object": lambda s: {**event("x", stripe_session(s)), "type": {"a": 1}},
    "the id is a number": lambda s: event("checkout.session.completed", stripe_session(s), 7),
    "metadata is a list": lambda s: event(
        "checkout.session.completed", stripe_session(s, metadata=["payment_id"])
    ),
    "the currency is a number": lambda s: event(
        "checkout.session.completed", stripe_session(s, currency=840)
    ),
    "the session's payment_intent is an object": lambda s: event(
        "checkout.session.completed", stripe_session(s, payment_intent={"id": "pi_1"})
    ),
    "the charge's payment_intent is an object": lambda s: event(
        "charge.refunded",
        {"id": "ch_1", "object": "charge", "payment_intent": {"id": f"pi_{s.id}_fixture"}},
    ),
    "the charge's refunded is missing": lambda s: event(
        "charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": f"pi_{s.id}"}
    ),
}


@pytest.mark.parametrize("problem", list(MALFORMED))
def test_a_signed_but_malformed_event_is_a_400_a_log_line_and_no_change(
    client, started, problem, caplog
):
    body = MALFORMED[problem](started)
    before = snapshot()
    with caplog.at_level("WARNING", logger="portal.payments.fulfilment"):
        response = post_event(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"received": False, "outcome": "malformed"}
    assert changes(before, snapshot()) == {}
    assert any("malformed Stripe event" in record.getMessage() for record in caplog.records)


def test_a_payment_id_out_of_range_is_no_payment_of_the_portals(client, started):
    session = stripe_session(started, metadata={"payment_id": "9" * 30})
    before = snapshot()
    response = post_event(client, event("checkout.session.completed", session))
    assert response.get_json() == {"received": True, "outcome": "not ours"}
    assert list(changes(before, snapshot())) == ["processed_stripe_events"]
