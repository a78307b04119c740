"""Reading the audit log a test's requests wrote."""

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db


def audit_actions() -> list[str]:
    """Every entry's action, oldest first."""
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def audit_entries(action: str) -> list[AuditEvent]:
    """The entries with this action, oldest first, as the database holds them now."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )
