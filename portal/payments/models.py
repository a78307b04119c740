"""The fee schedule (amounts with effective dates) and the ledger the portal collects against."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models import Base, TimestampMixin, VersionedMixin, enum_column, utcnow
from portal.workflow import LabelledStatus, TransitionTable


class FeeKind(LabelledStatus):
    INSPECTION = "inspection", _l("Inspection fee")
    REINSPECTION = "reinspection", _l("Reinspection fee")


class FeeStatus(LabelledStatus):
    OUTSTANDING = "outstanding", _l("Outstanding")
    PAID = "paid", _l("Paid")
    WAIVED = "waived", _l("Waived")
    REFUNDED = "refunded", _l("Refunded")


FEE_TRANSITIONS = TransitionTable(
    {
        FeeStatus.OUTSTANDING: {FeeStatus.PAID, FeeStatus.WAIVED},
        FeeStatus.PAID: {FeeStatus.REFUNDED},
    }
)


class FeeSchedule(TimestampMixin, Base):
    """Amounts in force from a date; a later schedule never changes fees already assessed."""

    __tablename__ = "fee_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entries: Mapped[list["FeeScheduleEntry"]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="FeeScheduleEntry.id"
    )


class FeeScheduleEntry(Base):
    __tablename__ = "fee_schedule_entries"
    __table_args__ = (UniqueConstraint("schedule_id", "kind", name="uq_fee_schedule_entries_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id", ondelete="CASCADE"))
    kind: Mapped[FeeKind] = mapped_column(enum_column(FeeKind))
    amount_cents: Mapped[int]
    # The rule the amount comes from, quoted on the fee so the payer can look it up.
    authority: Mapped[str] = mapped_column(String(200), default="")

    schedule: Mapped[FeeSchedule] = relationship(back_populates="entries")


class Fee(TimestampMixin, VersionedMixin, Base):
    """One line of the ledger: what is owed on a permit, why, and what became of it."""

    __tablename__ = "fees"
    __table_args__ = (
        Index("ix_fees_permit_status", "permit_id", "status"),
        # The dashboard's fees assessed in a period: an index-only range sum.
        Index("ix_fees_assessed_amount", "assessed_at", "amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"))
    inspection_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_requests.id"), index=True
    )
    kind: Mapped[FeeKind] = mapped_column(enum_column(FeeKind))
    amount_cents: Mapped[int]
    status: Mapped[FeeStatus] = mapped_column(enum_column(FeeStatus), default=FeeStatus.OUTSTANDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    schedule_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedule_entries.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when the portal assessed the fee itself (an automatic reinspection fee).
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_at: Mapped[datetime | None]
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waiver_reason: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None]

    permit = relationship("Permit")
    assessed_by = relationship("User", foreign_keys=[assessed_by_id])
    waived_by = relationship("User", foreign_keys=[waived_by_id])
    inspection_request = relationship("InspectionRequest")


class PaymentMethod(LabelledStatus):
    CARD = "card", _l("Card (Stripe)")
    TEST = "test", _l("Test mode (no card charged)")
    CASH = "cash", _l("Cash at the counter")
    CHECK = "check", _l("Check at the counter")


class PaymentStatus(LabelledStatus):
    PENDING = "pending", _l("Processing")
    SUCCEEDED = "succeeded", _l("Paid")
    FAILED = "failed", _l("Declined")
    EXPIRED = "expired", _l("Expired")
    REFUNDED = "refunded", _l("Refunded")


PAYMENT_TRANSITIONS = TransitionTable(
    {
        PaymentStatus.PENDING: {
            PaymentStatus.SUCCEEDED,
            PaymentStatus.FAILED,
            PaymentStatus.EXPIRED,
            # Only a payment flagged for staff: money was taken that the portal did not accept.
            PaymentStatus.REFUNDED,
        },
        PaymentStatus.SUCCEEDED: {PaymentStatus.REFUNDED},
    }
)

ONLINE_METHODS = frozenset({PaymentMethod.CARD, PaymentMethod.TEST})


class Payment(TimestampMixin, VersionedMixin, Base):
    """Money taken (or being taken) for some of a permit's fees, online or at the counter.

    Online payments are keyed by their Checkout Session; fulfilment moves them out of
    pending with a conditional UPDATE, so it happens once however many callers race.
    """

    __tablename__ = "payments"
    __table_args__ = (
        # The staff payments list's sort orders, with and without a status filter.
        Index("ix_payments_status_created", "status", "created_at", "id"),
        Index("ix_payments_created", "created_at", "id"),
        Index("ix_payments_amount", "amount_cents", "id"),
        Index(
            "ix_payments_attention_created",
            "created_at",
            "id",
            sqlite_where=text("flagged_at IS NOT NULL"),
            postgresql_where=text("flagged_at IS NOT NULL"),
        ),
        # The list's search: prefixes of the payer's email and the counter reference.
        Index("ix_payments_customer_email", "customer_email"),
        Index("ix_payments_reference", "reference"),
        Index("ix_payments_permit_created", "permit_id", "created_at"),
        # Money received and refunded in a period (payments page, dashboard): range sums.
        Index("ix_payments_succeeded_amount", "succeeded_at", "amount_cents"),
        Index("ix_payments_status_refunded", "status", "refunded_at"),
        # Receipts numbered but not yet rendered and emailed (payments/receipt_delivery.py).
        Index(
            "ix_payments_receipt_due",
            "id",
            sqlite_where=text("receipt_number IS NOT NULL AND receipt_file_id IS NULL"),
            postgresql_where=text("receipt_number IS NOT NULL AND receipt_file_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permits.id"))
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus), default=PaymentStatus.PENDING
    )
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None]
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # Cash receipt number or check number for counter payments.
    reference: Mapped[str] = mapped_column(String(200), default="")
    succeeded_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    receipt_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Set when Stripe reported something the portal would not accept (e.g. another amount).
    flagged_at: Mapped[datetime | None] = mapped_column(index=True)
    flag_reason: Mapped[str] = mapped_column(Text, default="")
    refunded_at: Mapped[datetime | None]
    refunded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refund_reason: Mapped[str] = mapped_column(Text, default="")
    refund_id: Mapped[str] = mapped_column(String(255), default="")

    permit = relationship("Permit")
    created_by = relationship("User", foreign_keys=[created_by_id])
    refunded_by = relationship("User", foreign_keys=[refunded_by_id])
    receipt_file = relationship("StoredFile")
    lines: Mapped[list["PaymentFee"]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="PaymentFee.id"
    )

    @property
    def is_online(self) -> bool:
        return self.method in ONLINE_METHODS


class PaymentFee(Base):
    """A fee inside a payment, with the amount and words it was charged with.

    ``open_fee_id`` repeats ``fee_id`` while the payment is pending and is cleared when it
    ends: its unique constraint is what stops a fee from entering two open payments, even
    from two tabs at the same instant.
    """

    __tablename__ = "payment_fees"
    __table_args__ = (UniqueConstraint("payment_id", "fee_id", name="uq_payment_fees_fee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    fee_id: Mapped[int] = mapped_column(ForeignKey("fees.id"), index=True)
    open_fee_id: Mapped[int | None] = mapped_column(ForeignKey("fees.id"), unique=True)
    amount_cents: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))

    payment: Mapped[Payment] = relationship(back_populates="lines")
    fee: Mapped[Fee] = relationship(foreign_keys=[fee_id])


class ProcessedStripeEvent(Base):
    """Each webhook event id once: a redelivery finds its row and changes nothing."""

    __tablename__ = "processed_stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)
