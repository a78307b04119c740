"""Starting an online payment: the server builds it from the fees it holds, once per fee."""

import logging
from collections.abc import Sequence
from datetime import timedelta

import stripe
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from stripe.params.checkout import SessionCreateParams

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link
from portal.payments import fulfilment
from portal.payments.models import (
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
)
from portal.payments.stripe_client import gateway, test_mode
from portal.template_helpers import long_date

log = logging.getLogger(__name__)

CHECKOUT_LIFETIME = timedelta(minutes=30)


class PaymentRefused(DomainError):
    default_message = _l("That payment could not be started.")


def describe(fee: Fee) -> str:
    """What the line is for, in the words the payer sees on Stripe's page and the receipt."""
    words = str(fee.kind.label)
    request = fee.inspection_request
    if request is not None:
        when = request.scheduled_date or request.preferred_date_1
        words = _(
            "%(kind)s: %(inspection)s inspection, %(date)s",
            kind=words,
            inspection=request.inspection_type.name,
            date=long_date(when) if when else "",
        )
    elif fee.reason and fee.kind != FeeKind.REINSPECTION:
        words = f"{words}: {fee.reason}"
    return words[:500]


def open_payment_for(fee_ids: list[int]) -> Payment | None:
    """The pending payment already holding any of these fees, if one does."""
    if not fee_ids:
        return None
    return db.session.scalar(
        select(Payment)
        .join(PaymentFee, PaymentFee.payment_id == Payment.id)
        .where(PaymentFee.open_fee_id.in_(fee_ids))
        .limit(1)
    )


def open_payments(permit_id: int) -> Sequence[Payment]:
    return (
        db.session.scalars(
            select(Payment)
            .where(Payment.permit_id == permit_id, Payment.status == PaymentStatus.PENDING)
            .options(joinedload(Payment.lines))
            .order_by(Payment.id)
        )
        .unique()
        .all()
    )


def refresh(payment: Payment) -> Payment:
    """Ask Stripe how a pending checkout stands and apply it (the return page does this)."""
    if payment.status != PaymentStatus.PENDING or not payment.checkout_session_id:
        return payment
    try:
        session = gateway().retrieve_session(payment.checkout_session_id)
    except stripe.StripeError:
        log.exception("could not retrieve checkout session %s", payment.checkout_session_id)
        return payment
    return fulfilment.apply_session(session) or payment


def start_checkout(permit, user, fee_ids: list[int]) -> Payment:
    """A pending payment with a Checkout Session for the chosen outstanding fees.

    If any of them is already in an open payment, that payment is returned instead (a
    second click or tab resumes the same checkout). The unique ``open_fee_id`` makes the
    check race-free: two simultaneous starts cannot both hold a fee.

    Long because resuming an open payment, reserving the fees and creating the session must
    happen in this order inside one transaction.
    """
    fees = db.session.scalars(
        select(Fee)
        .where(Fee.permit_id == permit.id, Fee.id.in_(fee_ids or [0]))
        .options(joinedload(Fee.inspection_request))
        .order_by(Fee.assessed_at, Fee.id)
    ).all()
    if not fees:
        raise PaymentRefused(_l("Select the fees you want to pay."))
    existing = open_payment_for([fee.id for fee in fees])
    if existing is not None:
        if existing.expires_at is None or existing.expires_at > utcnow():
            return _with_session(existing)
        existing = refresh(existing)
        if existing.status == PaymentStatus.PENDING:
            return _with_session(existing)
    if any(fee.status != FeeStatus.OUTSTANDING for fee in fees):
        raise PaymentRefused(
            _l("One of those fees is no longer outstanding. The page now shows where each stands.")
        )
    total = sum(fee.amount_cents for fee in fees)
    if total <= 0:
        raise PaymentRefused(_l("The selected fees total $0.00, so there is nothing to pay."))
    payment = Payment(
        permit_id=permit.id,
        method=PaymentMethod.TEST if test_mode() else PaymentMethod.CARD,
        status=PaymentStatus.PENDING,
        amount_cents=total,
        currency="usd",
        created_by_id=user.id,
        customer_email=user.email,
        expires_at=utcnow() + CHECKOUT_LIFETIME,
    )
    payment.lines = [
        PaymentFee(
            fee_id=fee.id,
            open_fee_id=fee.id,
            amount_cents=fee.amount_cents,
            description=describe(fee),
        )
        for fee in fees
    ]
    db.session.add(payment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = open_payment_for(fee_ids)
        if existing is None:
            raise PaymentRefused() from None
        return _with_session(existing)
    audit.record(
        "payment.started",
        payment,
        actor=user,
        permit=permit.permit_num,
        amount_cents=total,
        fees=",".join(str(fee.id) for fee in fees),
    )
    # Committed before Stripe is called: the fees are held and the idempotency key exists.
    db.session.commit()
    return _with_session(payment)


def session_params(payment: Payment) -> SessionCreateParams:
    if payment.expires_at is None:
        # Only a payment taken at the counter has no expiry, and it never goes to Stripe.
        raise PaymentRefused()
    permit = payment.permit
    return_url = email_link("payments.payment", permit_id=permit.id, payment_id=payment.id)
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency,
                    "unit_amount": line.amount_cents,
                    "product_data": {"name": line.description},
                },
            }
            for line in payment.lines
        ],
        "customer_email": payment.customer_email,
        "client_reference_id": f"payment-{payment.id}",
        "metadata": {
            "payment_id": str(payment.id),
            "permit_id": str(permit.id),
            "permit_num": permit.permit_num,
        },
        # Stripe fills in {CHECKOUT_SESSION_ID}; url_for would escape the braces.
        "success_url": return_url + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": email_link("payments.cancelled", permit_id=permit.id, payment_id=payment.id),
        "expires_at": int(payment.expires_at.timestamp()),
    }


def idempotency_key(payment: Payment) -> str:
    return f"portal-payment-{payment.id}-checkout"


def _with_session(payment: Payment) -> Payment:
    """Make sure the payment has its Checkout Session; the idempotency key makes a repeat
    call (a second tab arriving before the first stored the session) return the same one."""
    if payment.checkout_session_id:
        return payment
    try:
        session = gateway().create_session(session_params(payment), idempotency_key(payment))
    except stripe.StripeError:
        log.exception("could not create a checkout session for payment %s", payment.id)
        if fulfilment.advance_payment(payment.id, PaymentStatus.FAILED, ended_at=utcnow()):
            fulfilment.release_fees(payment.id)
            audit.record("payment.failed", payment, actor=None, reason="Stripe unavailable")
        db.session.commit()
        raise PaymentRefused(
            _l("Online payment is not available right now. Nothing was charged; try again later.")
        ) from None
    db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.checkout_session_id.is_(None))
        .values(
            checkout_session_id=session["id"],
            checkout_url=session["url"],
            version=Payment.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return fulfilment.reload_payment(payment.id)
