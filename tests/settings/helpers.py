"""What the settings tests share: reading the audit log, the settings row and a form's inputs."""

import re

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.settings.models import PortalSettings


def audit_entries(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def stored_settings() -> PortalSettings | None:
    db.session.expire_all()
    return db.session.get(PortalSettings, 1)


def input_value(html: str, name: str) -> str | None:
    """The value a page's input of this name shows, or None when there is no such input."""
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if match is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else ""
