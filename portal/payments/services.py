"""The fee ledger: assessing fees from the schedule in force, waiving them, and what is owed.

Payments move fees outstanding -> paid -> refunded (portal.payments.fulfilment); staff
refund payments and record payments taken at the counter here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import stripe
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, calendar, reads, timeline
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.keyset import KeysetPage, SortOrder
from portal.models import utcnow
from portal.money import format_cents
from portal.notifications.services import email_link, queue_email
from portal.payments import fulfilment
from portal.payments.models import (
    FEE_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    Fee,
    FeeKind,
    FeeSchedule,
    FeeScheduleEntry,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
)
from portal.payments.stripe_client import gateway
from portal.permits.models import PartyRole, PermitParty
from portal.queues import any_of, page_of, within_days
from portal.search import number_prefixes, permit_matches, person_matches, prefix
from portal.settings import services as settings
from portal.workflow import check_version, stale_guard

REINSPECTION_AUTHORITY = "Chicago Construction Codes Administrative Provisions 14A-5-501.4"
DEFAULT_SCHEDULE_NAME = "Inspection fees"
DEFAULT_SCHEDULE_FROM = date(2026, 1, 1)
DEFAULT_AMOUNTS = {FeeKind.REINSPECTION: (15000, REINSPECTION_AUTHORITY)}
STALE_MESSAGE = _l("This fee changed since you opened the page. Check it and try again.")


class NoFeeInSchedule(DomainError):
    default_message = _l(
        "No fee schedule in force on that date has this fee. "
        "An administrator must add it to the fee schedule first."
    )


def ensure_default_schedule(actor=None) -> FeeSchedule:
    """The first fee schedule, if none exists yet (idempotent; no commit)."""
    schedule = db.session.scalar(select(FeeSchedule).order_by(FeeSchedule.effective_from))
    if schedule is not None:
        return schedule
    schedule = FeeSchedule(
        name=DEFAULT_SCHEDULE_NAME,
        effective_from=DEFAULT_SCHEDULE_FROM,
        created_by_id=getattr(actor, "id", None),
    )
    for kind, (amount, authority) in DEFAULT_AMOUNTS.items():
        schedule.entries.append(
            FeeScheduleEntry(kind=kind, amount_cents=amount, authority=authority)
        )
    db.session.add(schedule)
    db.session.flush()
    audit.record(
        "fee_schedule.created", schedule, actor=actor, effective_from=str(DEFAULT_SCHEDULE_FROM)
    )
    return schedule


def schedule_entry(kind: FeeKind, on: date) -> FeeScheduleEntry:
    """The amount in force on a date: the newest schedule that started on or before it."""
    entry = db.session.scalar(
        select(FeeScheduleEntry)
        .join(FeeSchedule)
        .where(FeeScheduleEntry.kind == kind, FeeSchedule.effective_from <= on)
        .order_by(FeeSchedule.effective_from.desc())
        .limit(1)
    )
    if entry is None:
        raise NoFeeInSchedule()
    return entry


def payer_emails(permit_id: int) -> list[str]:
    """Everyone on the permit may pay: owner first, then agents and contractors."""
    parties = db.session.scalars(
        select(PermitParty)
        .where(PermitParty.permit_id == permit_id)
        .order_by(PermitParty.role != PartyRole.OWNER, PermitParty.id)
    ).all()
    emails: list[str] = []
    for party in parties:
        if party.user.email not in emails:
            emails.append(party.user.email)
    return emails


def assess_fee(
    permit,
    kind: FeeKind,
    *,
    reason: str,
    actor=None,
    amount_cents: int | None = None,
    on: date | None = None,
    inspection_request=None,
) -> Fee:
    """Add a fee to the ledger in the caller's transaction (the caller commits).

    Without an amount, the schedule in force on ``on`` gives it; the entry is kept on
    the fee, so a later schedule never changes what was assessed.

    Long because the schedule entry, the amount and the ledger's audit and timeline entries are
    decided together.
    """
    entry = None
    if amount_cents is None:
        entry = schedule_entry(kind, on or calendar.local_today())
        amount_cents = entry.amount_cents
    if amount_cents < 0:
        raise DomainError(_l("A fee cannot be negative."))
    fee = Fee(
        permit_id=permit.id,
        inspection_request_id=getattr(inspection_request, "id", None),
        kind=kind,
        amount_cents=amount_cents,
        reason=reason,
        schedule_entry_id=getattr(entry, "id", None),
        assessed_by_id=getattr(actor, "id", None),
    )
    db.session.add(fee)
    db.session.flush()
    audit.record(
        "fee.assessed",
        fee,
        actor=actor,
        permit=permit.permit_num,
        kind=kind.value,
        amount_cents=amount_cents,
        reason=reason,
    )
    amount = format_cents(amount_cents)
    timeline.add(permit, "fee.assessed", actor=actor, kind=kind.label, amount=amount, reason=reason)
    for email in payer_emails(permit.id):
        queue_email(
            email,
            _l(
                "A %(kind)s of %(amount)s is due on permit %(num)s",
                kind=LazyString(lambda: str(kind.label).lower()),
                amount=amount,
                num=permit.permit_num,
            ),
            "inspections_fee_assessed",
            fee=fee,
            permit=permit,
            amount=amount,
            link=email_link("payments.fees", permit_id=permit.id),
            blocks=settings.current().block_requests_when_fees_unpaid
            and kind == FeeKind.REINSPECTION,
        )
    return fee


def record_waiver(fee: Fee, reason: str, actor=None) -> None:
    """Waive a fee in the caller's transaction (the caller commits): every waiver, a staff
    member's or one the portal's own rules make (``actor`` None), goes through the fee
    transition table and leaves the same audit entry. Telling the payer is the caller's
    decision: a waiver that comes with another message (a cancelled inspection) sends none.
    """
    FEE_TRANSITIONS.move(fee, FeeStatus.WAIVED)
    fee.waived_at = utcnow()
    fee.waived_by_id = getattr(actor, "id", None)
    fee.waiver_reason = reason
    audit.record("fee.waived", fee, actor=actor, permit=fee.permit.permit_num, reason=reason)


@stale_guard(STALE_MESSAGE)
def waive_fee(fee: Fee, actor, reason: str, version) -> Fee:
    """Staff waive an outstanding fee with a reason the payer reads; the version guards races."""
    if not actor.is_staff:
        raise DomainError(_l("Only the department can waive a fee."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason for the waiver"))
    check_version(fee, version, STALE_MESSAGE)
    record_waiver(fee, reason, actor)
    permit = fee.permit
    amount = format_cents(fee.amount_cents)
    timeline.add(
        permit, "fee.waived", actor=actor, kind=fee.kind.label, amount=amount, reason=reason
    )
    for email in payer_emails(permit.id):
        queue_email(
            email,
            _l("Fee waived on permit %(num)s", num=permit.permit_num),
            "inspections_fee_waived",
            fee=fee,
            permit=permit,
            amount=amount,
            link=email_link("payments.fees", permit_id=permit.id),
        )
    db.session.commit()
    return fee


def fees_for_permit(permit_id: int) -> Sequence[Fee]:
    return db.session.scalars(
        select(Fee)
        .where(Fee.permit_id == permit_id)
        .options(joinedload(Fee.inspection_request), joinedload(Fee.waived_by))
        .order_by(Fee.assessed_at.desc(), Fee.id.desc())
    ).all()


def fee_for_staff(fee_id: int) -> Fee | None:
    return db.session.get(Fee, fee_id, options=[joinedload(Fee.permit)])


# The applicant home reads these of each permit of its page in its own statement
# (ix_fees_permit_status finds each permit's outstanding fees).
def outstanding_cents(permit_id: ColumnElement[int]) -> ColumnElement[int]:
    """Cents the permit `permit_id` owes (NULL: nothing)."""
    return (
        select(func.sum(Fee.amount_cents))
        .where(Fee.permit_id == permit_id, Fee.status == FeeStatus.OUTSTANDING)
        .scalar_subquery()
    )


def owes_reinspection_fee(permit_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the permit `permit_id` owes a reinspection fee."""
    return (
        select(Fee.id)
        .where(
            Fee.permit_id == permit_id,
            Fee.kind == FeeKind.REINSPECTION,
            Fee.status == FeeStatus.OUTSTANDING,
        )
        .exists()
    )


# The permit page asks these of one permit on every request: built once (issue 17).
_UNPAID_REINSPECTION_FEES = select(func.count(Fee.id)).where(
    Fee.permit_id == bindparam("permit_id"),
    Fee.kind == FeeKind.REINSPECTION,
    Fee.status == FeeStatus.OUTSTANDING,
)
_OUTSTANDING = select(func.coalesce(func.sum(Fee.amount_cents), 0), func.count(Fee.id)).where(
    Fee.permit_id == bindparam("permit_id"), Fee.status == FeeStatus.OUTSTANDING
)


def unpaid_reinspection_fees(permit_id: int) -> int:
    return reads.scalar(_UNPAID_REINSPECTION_FEES, {"permit_id": permit_id})


@dataclass(frozen=True)
class FeeSummary:
    outstanding_cents: int
    outstanding_count: int


def fee_summary(permit_id: int) -> FeeSummary:
    total, count = reads.rows(_OUTSTANDING, {"permit_id": permit_id})[0]
    return FeeSummary(outstanding_cents=int(total), outstanding_count=int(count))


# ---- payments: staff refunds, counter payments, the lists -------------------------------

REFUND_STALE = _l("This payment changed since you opened the page. Check it and try again.")


@stale_guard(REFUND_STALE)
def refund_payment(payment: Payment, actor, reason: str, reopen: bool, version) -> Payment:
    """Staff refund a paid payment in full: through Stripe's Refund API for a card payment,
    as a record for one taken at the counter. Its fees become refunded, and are assessed
    again as outstanding only when staff say so."""
    if not actor.is_staff:
        raise DomainError(_l("Only the department can refund a payment."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason for the refund"))
    check_version(payment, version, REFUND_STALE)
    if payment.status == PaymentStatus.PENDING and payment.flagged_at is None:
        raise DomainError(_l("This payment has not been completed, so there is nothing to refund."))
    PAYMENT_TRANSITIONS.check(payment.status, PaymentStatus.REFUNDED)
    refund_id = ""
    if payment.is_online:
        if not payment.payment_intent_id:
            raise DomainError(
                _l("Stripe has not reported this payment's charge; refund it in Stripe.")
            )
        try:
            refund = gateway().create_refund(
                {
                    "payment_intent": payment.payment_intent_id,
                    "reason": "requested_by_customer",
                    "metadata": {
                        "payment_id": str(payment.id),
                        "permit_id": str(payment.permit_id),
                    },
                },
                f"portal-payment-{payment.id}-refund",
            )
        except stripe.StripeError as error:
            raise DomainError(
                _l(
                    "Stripe refused the refund: %(message)s",
                    message=error.user_message or str(error),
                )
            ) from None
        refund_id = refund["id"]
    if not fulfilment.mark_refunded(
        payment, actor=actor, reason=reason, refund_id=refund_id, reopen=reopen
    ):
        raise StaleRecord(REFUND_STALE)
    db.session.commit()
    return fulfilment.reload_payment(payment.id)


def record_counter_payment(permit, actor, fee_ids: list[int], method, reference: str) -> Payment:
    """Staff record cash or a check taken at the counter, so the ledger stays the one truth.

    The fees must be outstanding and in no open online payment (the payer may be paying
    them right now); the payment is complete at once, with a receipt like any other.

    Long because the checks on the fees and the payment's completion share one transaction.
    """
    from portal.payments.checkout import describe, open_payment_for

    if not actor.is_staff:
        raise DomainError(_l("Only the department can record a counter payment."))
    if method not in (PaymentMethod.CASH, PaymentMethod.CHECK):
        raise DomainError(_l("Choose cash or check"))
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_l("Enter the receipt or check number"))
    fees = db.session.scalars(
        select(Fee)
        .where(Fee.permit_id == permit.id, Fee.id.in_(fee_ids or [0]))
        .options(joinedload(Fee.inspection_request))
        .order_by(Fee.assessed_at, Fee.id)
    ).all()
    if not fees:
        raise DomainError(_l("Select the fees that were paid"))
    if any(fee.status != FeeStatus.OUTSTANDING for fee in fees):
        raise DomainError(_l("One of those fees is no longer outstanding."))
    if open_payment_for([fee.id for fee in fees]) is not None:
        raise DomainError(
            _l("One of those fees is in an online payment in progress. Wait for it to end.")
        )
    total = sum(fee.amount_cents for fee in fees)
    if total <= 0:
        raise DomainError(_l("The selected fees total $0.00, so there is nothing to record."))
    emails = payer_emails(permit.id)
    payment = Payment(
        permit_id=permit.id,
        method=method,
        status=PaymentStatus.PENDING,
        amount_cents=total,
        created_by_id=actor.id,
        customer_email=emails[0] if emails else "",
        reference=reference,
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
        fulfilment.complete_payment(payment, actor=actor)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(
            _l("One of those fees is in an online payment in progress. Wait for it to end.")
        ) from None
    return fulfilment.reload_payment(payment.id)


def payments_for_permit(permit_id: int) -> Sequence[Payment]:
    return (
        db.session.scalars(
            select(Payment)
            .where(Payment.permit_id == permit_id)
            .options(joinedload(Payment.lines))
            .order_by(Payment.created_at.desc(), Payment.id.desc())
        )
        .unique()
        .all()
    )


def payment_on_permit(permit_id: int, payment_id: int) -> Payment | None:
    """A payment only through the permit it belongs to: another permit's id is a miss."""
    payment = fulfilment.load_payment(payment_id)
    if payment is None or payment.permit_id != permit_id:
        return None
    return payment


@dataclass(frozen=True)
class PaymentFilters:
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # A permit number or address, the payer's name or email, or a Stripe, receipt or
    # counter reference (a prefix of any of them).
    search: str = ""
    sort: str = "newest"


@dataclass(frozen=True)
class PeriodTotals:
    received_cents: int
    received_count: int
    refunded_cents: int
    refunded_count: int

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.refunded_cents


NEEDS_ATTENTION = "attention"
PAYMENT_SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "amount": _l("Largest amount first"),
}


def _payment_order(sort: str) -> SortOrder:
    if sort == "amount":
        by_amount = (Payment.amount_cents, Payment.id)
        return SortOrder("amount", PAYMENT_SORTS[sort], by_amount, descending=True)
    by_date = (Payment.created_at, Payment.id)
    return SortOrder(sort, PAYMENT_SORTS[sort], by_date, descending=sort == "newest")


def _matching(text: str) -> ColumnElement[bool]:
    """Payments whose permit, payer or reference starts with ``text``."""
    typed = text.strip()
    return any_of(
        Payment.id,
        select(Payment.id).join(Payment.permit).where(permit_matches(typed)),
        select(Payment.id).join(Payment.created_by).where(person_matches(typed)),
        select(Payment.id).where(
            or_(
                prefix(Payment.customer_email, typed.lower()),
                prefix(Payment.checkout_session_id, typed),
                prefix(Payment.payment_intent_id, typed),
                number_prefixes(Payment.receipt_number, typed),
                prefix(Payment.reference, typed),
            )
        ),
    )


def _payment_query(filters: PaymentFilters):
    query = select(Payment)
    if filters.status == NEEDS_ATTENTION:
        query = query.where(Payment.flagged_at.is_not(None))
    elif filters.status:
        query = query.where(Payment.status == PaymentStatus(filters.status))
    query = query.where(*within_days(Payment.created_at, filters.date_from, filters.date_to))
    if filters.search:
        query = query.where(_matching(filters.search))
    return query


def payments_page(filters: PaymentFilters) -> KeysetPage:
    """The page of payments the request's cursor asks for, with permit and payer."""
    query = _payment_query(filters).options(
        joinedload(Payment.permit), joinedload(Payment.created_by)
    )
    return page_of(query, _payment_order(filters.sort))


def period_totals(filters: PaymentFilters) -> PeriodTotals:
    """Money received (by the time it was paid) and refunded (by when) in the period."""

    def between(column):
        conditions = within_days(column, filters.date_from, filters.date_to)
        if filters.search:
            conditions.append(_matching(filters.search))
        return conditions

    received = db.session.execute(
        select(func.coalesce(func.sum(Payment.amount_cents), 0), func.count(Payment.id)).where(
            Payment.succeeded_at.is_not(None), *between(Payment.succeeded_at)
        )
    ).one()
    refunded = db.session.execute(
        select(func.coalesce(func.sum(Payment.amount_cents), 0), func.count(Payment.id)).where(
            Payment.status == PaymentStatus.REFUNDED,
            Payment.succeeded_at.is_not(None),
            *between(Payment.refunded_at),
        )
    ).one()
    return PeriodTotals(int(received[0]), int(received[1]), int(refunded[0]), int(refunded[1]))


def payment_for_staff(payment_id: int) -> Payment | None:
    return fulfilment.load_payment(payment_id)


def receipts_by_fee(payments: Iterable[Payment]) -> dict[int, Payment]:
    """For each fee, the payment that paid it (the latest completed one)."""
    paid = {}
    for payment in sorted(payments, key=lambda p: p.id):
        if payment.succeeded_at is not None:
            for line in payment.lines:
                paid[line.fee_id] = payment
    return paid
