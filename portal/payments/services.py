"""The fee ledger: assessing fees from the schedule in force, waiving them, and what is owed.

Payment (issue 4) moves a fee outstanding -> paid through FEE_TRANSITIONS as well.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit, timeline
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.money import format_cents
from portal.notifications.services import email_link, queue_email
from portal.payments.models import (
    FEE_TRANSITIONS,
    Fee,
    FeeKind,
    FeeSchedule,
    FeeScheduleEntry,
    FeeStatus,
)
from portal.permits.models import PartyRole, PermitParty
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
    """
    entry = None
    if amount_cents is None:
        entry = schedule_entry(kind, on or utcnow().date())
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
            _(
                "A %(kind)s of %(amount)s is due on permit %(num)s",
                kind=str(kind.label).lower(),
                amount=amount,
                num=permit.permit_num,
            ),
            "inspections_fee_assessed",
            fee=fee,
            permit=permit,
            amount=amount,
            link=email_link("payments.fees", permit_id=permit.id),
            blocks=current_app.config["BLOCK_REQUESTS_WHEN_FEES_UNPAID"]
            and kind == FeeKind.REINSPECTION,
        )
    return fee


@stale_guard(STALE_MESSAGE)
def waive_fee(fee: Fee, actor, reason: str, version) -> Fee:
    """Staff waive an outstanding fee with a reason the payer reads; the version guards races."""
    if not actor.is_staff:
        raise DomainError(_l("Only the department can waive a fee."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Enter the reason for the waiver"))
    check_version(fee, version, STALE_MESSAGE)
    FEE_TRANSITIONS.check(fee.status, FeeStatus.WAIVED)
    fee.status = FeeStatus.WAIVED
    fee.waived_at = utcnow()
    fee.waived_by_id = actor.id
    fee.waiver_reason = reason
    permit = fee.permit
    amount = format_cents(fee.amount_cents)
    audit.record("fee.waived", fee, actor=actor, permit=permit.permit_num, reason=reason)
    timeline.add(
        permit, "fee.waived", actor=actor, kind=fee.kind.label, amount=amount, reason=reason
    )
    for email in payer_emails(permit.id):
        queue_email(
            email,
            _("Fee waived on permit %(num)s", num=permit.permit_num),
            "inspections_fee_waived",
            fee=fee,
            permit=permit,
            amount=amount,
            link=email_link("payments.fees", permit_id=permit.id),
        )
    db.session.commit()
    return fee


def fees_for_permit(permit_id: int) -> list[Fee]:
    return db.session.scalars(
        select(Fee)
        .where(Fee.permit_id == permit_id)
        .options(joinedload(Fee.inspection_request), joinedload(Fee.waived_by))
        .order_by(Fee.assessed_at.desc(), Fee.id.desc())
    ).all()


def fee_for_staff(fee_id: int) -> Fee | None:
    return db.session.get(Fee, fee_id, options=[joinedload(Fee.permit)])


def outstanding_by_permit(permit_ids: list[int]) -> dict[int, int]:
    """Cents outstanding per permit, in one query whatever the number of permits."""
    if not permit_ids:
        return {}
    rows = db.session.execute(
        select(Fee.permit_id, func.sum(Fee.amount_cents))
        .where(Fee.permit_id.in_(permit_ids), Fee.status == FeeStatus.OUTSTANDING)
        .group_by(Fee.permit_id)
    ).all()
    return {permit_id: int(total or 0) for permit_id, total in rows}


def unpaid_reinspection_fees(permit_id: int) -> int:
    return db.session.scalar(
        select(func.count(Fee.id)).where(
            Fee.permit_id == permit_id,
            Fee.kind == FeeKind.REINSPECTION,
            Fee.status == FeeStatus.OUTSTANDING,
        )
    )


@dataclass(frozen=True)
class FeeSummary:
    outstanding_cents: int
    outstanding_count: int


def fee_summary(permit_id: int) -> FeeSummary:
    total, count = db.session.execute(
        select(func.coalesce(func.sum(Fee.amount_cents), 0), func.count(Fee.id)).where(
            Fee.permit_id == permit_id, Fee.status == FeeStatus.OUTSTANDING
        )
    ).one()
    return FeeSummary(outstanding_cents=int(total), outstanding_count=int(count))
