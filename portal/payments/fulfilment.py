"""Fulfilment, exactly once: the one path from "Stripe says paid" to paid fees and a receipt.

The return page (after retrieving the Checkout Session) and the webhook (with the
session inside the event) both call ``apply_session``. Every status change is a
conditional UPDATE ``... WHERE status IN (states the transition table allows from)``:
whoever runs it first changes one row, everyone after changes none and does nothing
else, on SQLite and PostgreSQL alike, whatever the order or the timing.
"""

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, events, jobs
from portal.errors import StaleRecord
from portal.extensions import db
from portal.models import utcnow
from portal.money import format_cents
from portal.notifications.services import email_link, queue_email
from portal.payments import receipts, stripe_events
from portal.payments.models import (
    FEE_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    Fee,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentStatus,
    ProcessedStripeEvent,
)
from portal.payments.stripe_client import webhook_secret
from portal.workflow import rows_changed

log = logging.getLogger(__name__)

SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
HANDLED_EVENTS = SESSION_EVENTS | {"charge.refunded"}


def advance_payment(payment_id: int, target: PaymentStatus, *conditions, **values) -> bool:
    """Move a payment to ``target`` if its current state allows it; True if this call did."""
    changed = rows_changed(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status.in_(PAYMENT_TRANSITIONS.sources(target)),
            *conditions,
        )
        .values(status=target, version=Payment.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return changed == 1


def advance_fee(fee_id: int, target: FeeStatus, **values) -> bool:
    changed = rows_changed(
        update(Fee)
        .where(Fee.id == fee_id, Fee.status.in_(FEE_TRANSITIONS.sources(target)))
        .values(status=target, version=Fee.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return changed == 1


def release_fees(payment_id: int) -> None:
    """The payment no longer holds its fees: they may go into another one."""
    db.session.execute(
        update(PaymentFee)
        .where(PaymentFee.payment_id == payment_id)
        .values(open_fee_id=None)
        .execution_options(synchronize_session=False)
    )


def flag(payment_id: int, reason: str) -> bool:
    """Mark a payment for staff; the first reason is kept."""
    done = (
        rows_changed(
            update(Payment)
            .where(Payment.id == payment_id, Payment.flagged_at.is_(None))
            .values(flagged_at=utcnow(), flag_reason=reason, version=Payment.version + 1)
            .execution_options(synchronize_session=False)
        )
        == 1
    )
    if done:
        audit.record(
            "payment.flagged", db.session.get(Payment, payment_id), actor=None, reason=reason
        )
    return done


def _with_lines(payment_id: int):
    # populate_existing: a conditional UPDATE earlier in this session bypassed the identity map.
    return (
        select(Payment)
        .where(Payment.id == payment_id)
        .options(
            joinedload(Payment.permit),
            joinedload(Payment.lines).joinedload(PaymentFee.fee),
        )
        .execution_options(populate_existing=True)
    )


def load_payment(payment_id: int) -> Payment | None:
    return db.session.scalar(_with_lines(payment_id))


def reload_payment(payment_id: int) -> Payment:
    """The payment as the database has it now, for a caller that already holds it."""
    payment = db.session.scalars(_with_lines(payment_id)).unique().one_or_none()
    if payment is None:
        # Nothing in the portal deletes a payment, so only a change from outside gets here.
        raise StaleRecord()
    return payment


def complete_payment(payment: Payment, *, actor=None, **values) -> bool:
    """Pending -> succeeded, its fees paid, its receipt numbered. Once per payment.

    Used by Stripe fulfilment and by counter payments. No commit: the caller commits.
    The receipt PDF and its email come after the commit (payments/receipt_delivery.py):
    the webhook must answer Stripe quickly, and a render that fails must not undo a
    payment that happened.
    """
    now = utcnow()
    if not advance_payment(
        payment.id,
        PaymentStatus.SUCCEEDED,
        Payment.flagged_at.is_(None),
        succeeded_at=now,
        ended_at=now,
        receipt_number=receipts.receipt_number(payment.id, now),
        **values,
    ):
        return False
    not_outstanding = [
        line for line in payment.lines if not advance_fee(line.fee_id, FeeStatus.PAID, paid_at=now)
    ]
    release_fees(payment.id)
    payment = reload_payment(payment.id)
    # Rendered by a job after this commit (receipt_delivery.py), never in this request.
    jobs.after_commit("receipts.issue", payment.id)
    if not_outstanding:
        flag(
            payment.id,
            "Paid for fees that were no longer outstanding when the payment completed "
            "(consider a refund): "
            + "; ".join(
                f"fee #{line.fee_id} {line.description} ({format_cents(line.amount_cents)})"
                for line in not_outstanding
            ),
        )
    permit = payment.permit
    events.happened(
        "payment.succeeded",
        payment,
        actor=actor,
        on=permit,
        timeline_event="payment.received",
        shown={"amount": format_cents(payment.amount_cents), "receipt": payment.receipt_number},
        permit=permit.permit_num,
        amount_cents=payment.amount_cents,
        method=payment.method.value,
        receipt=payment.receipt_number,
        fees=",".join(str(line.fee_id) for line in payment.lines),
    )
    return True


def _end_unpaid(payment: Payment, target: PaymentStatus, why: str) -> bool:
    if not advance_payment(payment.id, target, Payment.flagged_at.is_(None), ended_at=utcnow()):
        return False
    release_fees(payment.id)
    audit.record(f"payment.{target.value}", payment, actor=None, reason=why)
    return True


def apply_session(session: dict, event_type: str | None = None) -> Payment | None:
    """Bring the portal's payment in line with a Checkout Session Stripe reported. Commits.

    ``event_type`` is the webhook event's type, or None when the return page retrieved
    the session. Fulfils only a session that is complete and paid, for the amount and
    currency the portal asked for; another amount is flagged for staff instead.
    Returns the payment as it now is, or None when the session is not one of the portal's.
    """
    payment_id = _apply_session(session, event_type)
    return load_payment(payment_id) if payment_id is not None else None


def _apply_session(session: dict, event_type: str | None) -> int | None:
    """apply_session without reading the payment back: the id of the payment it applied to.
    The webhook answers Stripe with no more than that (two statements and a round trip fewer
    on a first delivery, issue 17)."""
    payment_id = stripe_events.payment_id(session)
    payment = db.session.get(Payment, payment_id) if payment_id else None
    if payment is None or payment.checkout_session_id != session.get("id"):
        log.warning("checkout session %s names no portal payment", session.get("id"))
        return None
    status = session.get("status")
    paid = status == "complete" and session.get("payment_status") == "paid"
    if event_type == "checkout.session.async_payment_failed":
        _end_unpaid(payment, PaymentStatus.FAILED, "Stripe reported the payment failed")
    elif event_type == "checkout.session.expired" or status == "expired":
        _end_unpaid(payment, PaymentStatus.EXPIRED, "The checkout expired unpaid")
    elif paid:
        _fulfil(payment, session)
    db.session.commit()
    return payment_id


def _fulfil(payment: Payment, session: dict) -> None:
    if payment.status != PaymentStatus.PENDING and payment.status != PaymentStatus.SUCCEEDED:
        if payment.status in (PaymentStatus.EXPIRED, PaymentStatus.FAILED):
            flag(
                payment.id,
                f"Stripe reports session {session.get('id')} paid after the portal "
                f"recorded it {payment.status.value}; the fees were released. Check and refund.",
            )
        return
    amount = session.get("amount_total")
    currency = (session.get("currency") or "").lower()
    if amount != payment.amount_cents or currency != payment.currency:
        flag(
            payment.id,
            f"Stripe reports {amount} {currency or '?'} for session {session.get('id')}; "
            f"the portal expected {payment.amount_cents} {payment.currency}. Not fulfilled.",
        )
        return
    complete_payment(payment, payment_intent_id=session.get("payment_intent"))


def apply_refunded_charge(charge: dict) -> Payment | None:
    """A refund made in Stripe (or confirmed by it): the payment and its fees become refunded.

    A partial refund is not what the portal does, so it is flagged for staff instead.
    """
    intent = charge.get("payment_intent")
    payment = (
        db.session.scalar(select(Payment).where(Payment.payment_intent_id == intent))
        if intent
        else None
    )
    if payment is None:
        return None
    if not charge.get("refunded"):
        flag(
            payment.id,
            f"Stripe reports a partial refund of {charge.get('amount_refunded')} cents; "
            "the portal records only full refunds. Check the fees by hand.",
        )
    else:
        mark_refunded(payment, actor=None, reason="Refunded in Stripe", refund_id="")
    db.session.commit()
    return payment


def mark_refunded(
    payment: Payment, *, actor, reason: str, refund_id: str, reopen: bool = False
) -> bool:
    """Succeeded (or flagged) -> refunded; its paid fees become refunded. No commit.

    With ``reopen`` each refunded fee is assessed again as a new outstanding fee, so the
    ledger keeps the refunded line and shows what is owed now.

    Long because the payment's conditional update, its fees, the reassessment and the
    records of the refund must happen together in the caller's transaction.
    """
    from portal.payments import services

    conditions = []
    if payment.status == PaymentStatus.PENDING:
        conditions.append(Payment.flagged_at.is_not(None))
    now = utcnow()
    if not advance_payment(
        payment.id,
        PaymentStatus.REFUNDED,
        *conditions,
        refunded_at=now,
        ended_at=now,
        refunded_by_id=getattr(actor, "id", None),
        refund_reason=reason,
        refund_id=refund_id,
    ):
        return False
    release_fees(payment.id)
    payment = reload_payment(payment.id)
    refunded_fees = [
        line.fee for line in payment.lines if advance_fee(line.fee_id, FeeStatus.REFUNDED)
    ]
    db.session.flush()
    permit = payment.permit
    amount = format_cents(payment.amount_cents)
    events.happened(
        "payment.refunded",
        payment,
        actor=actor,
        on=permit,
        shown={"amount": amount, "reason": reason},
        permit=permit.permit_num,
        amount_cents=payment.amount_cents,
        reason=reason,
        refund_id=refund_id,
        reopened=reopen,
    )
    if reopen:
        for fee in refunded_fees:
            services.assess_fee(
                permit,
                fee.kind,
                reason=_("%(reason)s (assessed again after a refund)", reason=fee.reason),
                actor=actor,
                amount_cents=fee.amount_cents,
                inspection_request=fee.inspection_request,
            )
    if payment.customer_email:
        queue_email(
            payment.customer_email,
            _l("Refund of %(amount)s on permit %(num)s", amount=amount, num=permit.permit_num),
            "payments_refunded",
            payment=payment,
            permit=permit,
            amount=amount,
            reason=reason,
            reopened=reopen,
            link=email_link("payments.fees", permit_id=permit.id),
        )
    return True


# ---- the webhook --------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str


def handle_webhook(payload: bytes, signature: str | None) -> WebhookResult:
    """Verify, record the event id once, and apply it. 400 (and no change) on a bad signature
    or a body without the fields fulfilment reads (stripe_events), with a log line.

    The event row is written in the fulfilment's transaction, so a crash loses both and
    Stripe's redelivery does the work; a duplicate finds the row (or hits its unique
    constraint while the first delivery is still running) and changes nothing.
    """
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, webhook_secret(), tolerance=300)
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        return WebhookResult(400, "invalid")
    problem = stripe_events.header_problem(event)
    if problem is None:
        if event["type"] not in HANDLED_EVENTS:
            return WebhookResult(200, "ignored")
        obj = stripe_events.event_object(event)
        if event["type"] in SESSION_EVENTS:
            problem = stripe_events.session_problem(obj)
        else:
            problem = stripe_events.charge_problem(obj)
    if problem is not None:
        # Signed with the endpoint's secret, so not noise: someone should look at it.
        log.warning("refused a malformed Stripe event %s: %s", _logged_id(event), problem)
        return WebhookResult(400, "malformed")
    event_id, event_type = event["id"], event["type"]
    seen = db.session.scalar(
        select(ProcessedStripeEvent.id).where(ProcessedStripeEvent.event_id == event_id)
    )
    if seen is not None:
        return WebhookResult(200, "duplicate")
    db.session.add(ProcessedStripeEvent(event_id=event_id, event_type=event_type))
    try:
        db.session.flush()
        if event_type in SESSION_EVENTS:
            applied = _apply_session(obj, event_type) is not None
        else:
            applied = apply_refunded_charge(obj) is not None
        if not applied:
            # Not one of the portal's sessions: keep the event id so a redelivery is cheap.
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return WebhookResult(200, "duplicate")
    return WebhookResult(200, "processed" if applied else "not ours")


def _logged_id(event) -> str:
    event_id = event.get("id") if isinstance(event, dict) else None
    return repr(event_id)[:100]


# ---- test mode ----------------------------------------------------------------------------


def session_from_payment(session_id: str) -> dict:
    """Test mode's answer to "retrieve the session": what Stripe would say about it now."""
    payment = db.session.scalar(select(Payment).where(Payment.checkout_session_id == session_id))
    if payment is None:
        raise stripe.InvalidRequestError(f"No such checkout.session: '{session_id}'", "id")
    status, payment_status = {
        PaymentStatus.PENDING: ("open", "unpaid"),
        PaymentStatus.SUCCEEDED: ("complete", "paid"),
        PaymentStatus.REFUNDED: ("complete", "paid"),
        PaymentStatus.FAILED: ("complete", "unpaid"),
        PaymentStatus.EXPIRED: ("expired", "unpaid"),
    }[payment.status]
    if status == "open" and payment.expires_at and payment.expires_at <= utcnow():
        status = "expired"
    return test_session(payment, status, payment_status)


def test_session(payment: Payment, status: str, payment_status: str, **overrides) -> dict:
    session = {
        "id": payment.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": status,
        "payment_status": payment_status,
        "amount_total": payment.amount_cents,
        "amount_subtotal": payment.amount_cents,
        "currency": payment.currency,
        "client_reference_id": f"payment-{payment.id}",
        "customer_email": payment.customer_email,
        "metadata": {"payment_id": str(payment.id), "permit_id": str(payment.permit_id)},
        "payment_intent": payment.payment_intent_id,
        "expires_at": int(payment.expires_at.timestamp()) if payment.expires_at else None,
        "created": int(payment.created_at.timestamp()),
        "livemode": False,
    }
    session.update(overrides)
    return session


def test_event(event_type: str, obj: dict) -> dict:
    now = int(datetime.now(UTC).timestamp())
    return {
        "id": f"evt_test_portal_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": now,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def deliver_test_event(event: dict) -> WebhookResult:
    """Sign the event with the webhook secret and hand it to the webhook's own handler."""
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, webhook_secret(), timestamp=int(datetime.now(UTC).timestamp())
    )
    return handle_webhook(payload.encode("utf-8"), header)
