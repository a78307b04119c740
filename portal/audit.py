"""The audit log: one function records who did what to which record. Entries are never changed."""

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "record_type", "record_id"),
        Index("ix_audit_events_actor_created", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(80), index=True)
    record_type: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))


def record(action: str, record_obj=None, *, actor=None, **details) -> AuditEvent:
    """Add an audit entry to the session; the caller's single commit writes it with the change."""
    if record_obj is not None and getattr(record_obj, "id", None) is None:
        db.session.flush()
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        record_type=type(record_obj).__name__ if record_obj is not None else "",
        record_id=getattr(record_obj, "id", None),
        actor_id=getattr(actor, "id", None),
        details={key: _plain(value) for key, value in details.items()},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def _plain(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
