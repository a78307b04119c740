"""Receipts are rendered and emailed after the payment's commit: by `flask outbox send`, or
by the first download. The webhook only records the payment, and a receipt whose render
fails is rendered at the next run, never lost and never emailed twice."""

import subprocess

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.documents.store import read_bytes
from portal.extensions import db
from portal.notifications.models import OutboxStatus
from portal.payments import receipt_delivery, receipts
from portal.payments.models import PaymentStatus
from portal.payments.receipt_delivery import issue_due_receipts
from portal.settings import contact
from tests.factories.payments import reload_payment
from tests.support.mail import receipts_sent, send
from tests.support.pages import check_page
from tests.support.pdfs import table_headers
from tests.support.race import race
from tests.support.stripe import event, post_event, stripe_session


def fail_renders(monkeypatch, times: int | None = None) -> list[int]:
    """Make the receipt renderer raise (the first ``times`` calls, or every call)."""
    render, calls = receipts.render_receipt_pdf, []

    def flaky(payment):
        calls.append(payment.id)
        if times is None or len(calls) <= times:
            raise RuntimeError("WeasyPrint fell over")
        return render(payment)

    monkeypatch.setattr(receipts, "render_receipt_pdf", flaky)
    return calls


def test_the_webhook_records_the_payment_without_rendering_its_receipt(
    client, started, monkeypatch
):
    calls = fail_renders(monkeypatch)
    response = post_event(client, event("checkout.session.completed", stripe_session(started)))
    assert response.get_json() == {"received": True, "outcome": "processed"}
    payment = reload_payment(started.id)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.receipt_number is not None
    assert (payment.receipt_file, calls, receipts_sent()) == (None, [], [])


def test_a_receipt_is_never_lost_when_its_render_fails_once(
    app, client, started, owner, monkeypatch, caplog
):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    calls = fail_renders(monkeypatch, times=1)

    assert send(app).startswith("receipts issued 0, not ready 1\n")
    assert "could not render receipt" in caplog.text
    assert (reload_payment(started.id).receipt_file, receipts_sent()) == (None, [])

    # Everything else queued was sent by the first run: this one sends the receipt alone.
    assert send(app) == "receipts issued 1, not ready 0\nsent 1, failed 0\n"
    payment = reload_payment(started.id)
    [email] = receipts_sent(owner.email)
    assert email.status == OutboxStatus.SENT
    assert [a["sha256"] for a in email.attachments] == [payment.receipt_file.sha256]

    assert send(app) == "sent 0, failed 0\n"
    assert len(calls) == 2
    assert len(receipts_sent()) == 1
    issued = select(AuditEvent).where(AuditEvent.action == "payment.receipt_issued")
    assert len(db.session.scalars(issued).all()) == 1


def test_a_download_while_rendering_fails_asks_to_come_back(
    client, owner_client, started, permit, monkeypatch
):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    fail_renders(monkeypatch)
    page = owner_client.get(f"/permits/{permit.id}/payments/{started.id}")
    assert b"Download the receipt (PDF)" in page.data
    response = owner_client.get(f"/permits/{permit.id}/payments/{started.id}/receipt.pdf")
    assert response.status_code == 503
    check_page(response.data)
    assert b"Your receipt is being prepared" in response.data
    assert (reload_payment(started.id).receipt_file, receipts_sent()) == (None, [])


def test_two_issuers_at_once_email_the_receipt_once(app, client, started, owner):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    payment_id = started.id

    def issue(barrier):
        barrier.wait()
        return receipt_delivery.issue_receipt(payment_id).receipt_number

    numbers = race(app, [issue, issue])
    payment = reload_payment(payment_id)
    assert numbers == [payment.receipt_number] * 2
    [email] = receipts_sent(owner.email)
    assert [a["sha256"] for a in email.attachments] == [payment.receipt_file.sha256]


def _receipt_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(text.stdout.decode().split())


def test_the_receipt_names_the_department_and_the_payer(client, started, owner):
    """The department's counter address and phone as the admins keep them, and the payer's
    name beside the email; every table header link resolves through the /IDTree."""
    details = contact.current()
    details.phone, details.counter_address = "312-555-0177", "City Hall, Room 905\n121 N LaSalle"
    db.session.add(details)
    db.session.commit()
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    assert issue_due_receipts() == (1, 0)
    data = read_bytes(reload_payment(started.id).receipt_file)
    text = _receipt_text(data)
    for expected in (
        "City Hall, Room 905 121 N LaSalle",
        "Phone: 312-555-0177",
        "Paid by",
        f"{owner.name}, {owner.email}",
        "Payment method",
        "Card (Stripe)",
    ):
        assert expected in text, expected
    scopes = {scope for _id, scope in table_headers(data)}
    # The fee and amount columns' headers, and the total's row header.
    assert scopes == {"/Column", "/Row"}


def test_a_receipt_the_store_cannot_take_stays_due_and_is_issued_later(
    app, client, owner_client, started, permit, store_down
):
    post_event(client, event("checkout.session.completed", stripe_session(started)))
    response = owner_client.get(f"/permits/{permit.id}/payments/{started.id}/receipt.pdf")
    assert response.status_code == 503
    check_page(response.data)
    assert b"Your receipt is being prepared" in response.data
    assert send(app).startswith("receipts issued 0, not ready 1\n")
    assert (reload_payment(started.id).receipt_file, receipts_sent()) == (None, [])

    app.config["DOCUMENT_STORE_URL"] = ""  # the store is back
    assert send(app).startswith("receipts issued 1, not ready 0\n")
    assert len(receipts_sent()) == 1
