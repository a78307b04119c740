"""The transactional outbox: an email is a row written in the same transaction as its cause;
and the reminders already sent, so each goes once."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models import Base, TimestampMixin, enum_column, utcnow
from portal.workflow import LabelledStatus


class OutboxStatus(LabelledStatus):
    PENDING = "pending", _l("Pending")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed (gave up)")


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries, so a receiving server can drop a duplicate delivery.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    SUBJECT_LENGTH = 300
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body_text: Mapped[str] = mapped_column(Text)
    # [{"filename", "content_type", "sha256"}] pointing into the document store
    attachments: Mapped[list[dict]] = mapped_column(JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    # When a `flask outbox send` run took the message to send it; cleared when it is done.
    # Another run skips a claimed message until the claim is older than a sender can be
    # busy with one (the sender died).
    claimed_at: Mapped[datetime | None]


class ReminderSent(Base):
    """A reminder that went out: `flask reminders send` skips anything with a row here, and
    the unique key keeps two runs at once from both sending it."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "for_day", name="uq_reminders_sent_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    for_day: Mapped[date]
    sent_at: Mapped[datetime]
