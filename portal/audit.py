"""The audit log: one function records who did what to which record.

Entries are append-only, enforced in the ORM below: updating or deleting an AuditEvent
through the session, one at a time or in bulk, raises. In production the database role
the portal connects as should also be unable to do it (README, "Audit log"), so that
neither a bug nor an injected statement can rewrite history. Plain Core statements on
the table are left alone because the tests empty every table between tests with them.
"""

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models import Base, utcnow


class AuditEvent(Base):
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


class AuditLogIsAppendOnly(RuntimeError):
    """Code tried to change or remove an audit entry: a bug, never a user's mistake."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    # update(AuditEvent) and delete(AuditEvent) skip the mapper events above.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


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
