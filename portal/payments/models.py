"""The fee schedule (amounts with effective dates) and the ledger the portal collects against."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import TimestampMixin, VersionedMixin, enum_column, utcnow
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


class FeeSchedule(TimestampMixin, db.Model):
    """Amounts in force from a date; a later schedule never changes fees already assessed."""

    __tablename__ = "fee_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    entries: Mapped[list["FeeScheduleEntry"]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="FeeScheduleEntry.id"
    )


class FeeScheduleEntry(db.Model):
    __tablename__ = "fee_schedule_entries"
    __table_args__ = (UniqueConstraint("schedule_id", "kind", name="uq_fee_schedule_entries_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id", ondelete="CASCADE"))
    kind: Mapped[FeeKind] = mapped_column(enum_column(FeeKind))
    amount_cents: Mapped[int]
    # The rule the amount comes from, quoted on the fee so the payer can look it up.
    authority: Mapped[str] = mapped_column(String(200), default="")

    schedule: Mapped[FeeSchedule] = relationship(back_populates="entries")


class Fee(TimestampMixin, VersionedMixin, db.Model):
    """One line of the ledger: what is owed on a permit, why, and what became of it."""

    __tablename__ = "fees"
    __table_args__ = (Index("ix_fees_permit_status", "permit_id", "status"),)

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
