"""Payments written directly, and reading back the payments and lines a test's requests left."""

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.payments.models import (
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
)
from portal.permits.models import Permit
from tests.support.files import PDF


def make_payment(permit: Permit, payer: User, status: PaymentStatus) -> Payment:
    """A test-mode payment for a fee of its own: paid with a receipt, or open and holding it."""
    paid = status == PaymentStatus.SUCCEEDED
    fee = Fee(
        permit_id=permit.id,
        kind=FeeKind.INSPECTION,
        amount_cents=5000,
        reason="Boiler inspection",
        status=FeeStatus.PAID if paid else FeeStatus.OUTSTANDING,
    )
    db.session.add(fee)
    db.session.flush()
    payment = Payment(
        permit_id=permit.id,
        method=PaymentMethod.TEST,
        status=status,
        amount_cents=5000,
        created_by_id=payer.id,
        customer_email=payer.email,
        checkout_session_id=f"cs_test_world_{permit.id}_{status.value}",
        expires_at=utcnow() + timedelta(minutes=30),
    )
    payment.checkout_url = ""
    payment.lines = [
        PaymentFee(
            fee_id=fee.id,
            open_fee_id=None if paid else fee.id,
            amount_cents=5000,
            description="Inspection fee: Boiler",
        )
    ]
    if paid:
        payment.succeeded_at = utcnow()
        payment.payment_intent_id = f"pi_test_world_{permit.id}"
        payment.receipt_number = f"R-2026-W{permit.id:05d}"
        receipt = PDF + b"% receipt " + permit.permit_num.encode() + b"\n"
        payment.receipt_file_id = save_bytes(receipt, "application/pdf").id
    db.session.add(payment)
    db.session.commit()
    return payment


def open_lines() -> list[PaymentFee]:
    return list(db.session.scalars(select(PaymentFee).where(PaymentFee.open_fee_id.is_not(None))))


def reload_payment(payment_id: int) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment_id)
