"""Receipts leave after the payment's commit, the way email leaves through the outbox.

Fulfilment (the Stripe webhook, the return page, a counter payment) only numbers the
receipt, in the transaction that marks the payment paid: Stripe wants a quick 2xx, and a
PDF rendered inside the webhook would make each of its retry storms a rendering storm.
A payment with a receipt number and no receipt file is due. `flask outbox send` issues
due receipts before it delivers mail, and the receipt download issues one still
missing. Issuing stores the PDF and queues the receipt email in one commit, so the email
always carries the PDF and is queued once; a render that fails leaves the receipt due,
and the next run tries again.
"""

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.documents.models import StoredFile
from portal.documents.store import save_bytes
from portal.errors import DomainError
from portal.extensions import db
from portal.money import format_cents
from portal.notifications.services import email_link, queue_email
from portal.payments import receipts
from portal.payments.fulfilment import reload_payment
from portal.payments.models import Payment
from portal.workflow import rows_changed

log = logging.getLogger(__name__)

DUE = (Payment.receipt_number.is_not(None), Payment.receipt_file_id.is_(None))


class ReceiptNotReady(DomainError):
    default_message = _l("Your receipt is being prepared. Try again in a few minutes.")


def issue_receipt(payment_id: int) -> Payment:
    """Render the paid payment's receipt, store it and queue its email, once. Commits.

    Of two issuers at once (two outbox runs, or a run and a download), the one whose
    conditional UPDATE sets the still-empty receipt_file_id queues the email; the other
    rolls back its copy. A render or store that fails raises ReceiptNotReady and leaves
    the receipt due.
    """
    payment = reload_payment(payment_id)
    if payment.receipt_number is None or payment.receipt_file_id is not None:
        return payment
    try:
        stored = save_bytes(receipts.render_receipt_pdf(payment), "application/pdf")
        taken = rows_changed(
            update(Payment)
            .where(Payment.id == payment_id, *DUE)
            .values(receipt_file_id=stored.id)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        # The other issuer stored the same bytes first: its receipt stands.
        taken = 0
    except Exception:
        log.exception("could not render receipt %s", payment.receipt_number)
        db.session.rollback()
        raise ReceiptNotReady() from None
    if taken != 1:
        db.session.rollback()
        return reload_payment(payment_id)
    _queue_email(payment, stored)
    audit.record("payment.receipt_issued", payment, receipt=payment.receipt_number)
    db.session.commit()
    return reload_payment(payment_id)


def _queue_email(payment: Payment, stored: StoredFile) -> None:
    if not payment.customer_email:
        return
    permit = payment.permit
    amount = format_cents(payment.amount_cents)
    queue_email(
        payment.customer_email,
        _l(
            "Receipt %(number)s: %(amount)s paid on permit %(num)s",
            number=payment.receipt_number,
            amount=amount,
            num=permit.permit_num,
        ),
        "payments_receipt",
        payment=payment,
        permit=permit,
        amount=amount,
        link=email_link("payments.payment", permit_id=permit.id, payment_id=payment.id),
        attachments=[
            {
                "filename": f"receipt-{payment.receipt_number}.pdf",
                "content_type": "application/pdf",
                "sha256": stored.sha256,
            }
        ],
    )


def issue_due_receipts(limit: int = 100) -> tuple[int, int]:
    """Issue receipts that are due, oldest first; return (issued, not ready)."""
    issued = not_ready = 0
    due = db.session.scalars(select(Payment.id).where(*DUE).order_by(Payment.id).limit(limit))
    for payment_id in due.all():
        try:
            issue_receipt(payment_id)
        except ReceiptNotReady:
            not_ready += 1
        else:
            issued += 1
    return issued, not_ready
