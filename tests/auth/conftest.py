"""Clients and helpers for the account tests."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.notifications.models import OutboxMessage


@pytest.fixture
def other_client(app):
    return app.test_client()


def emails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
    )


def link_path(message: OutboxMessage) -> str:
    """The path of the first portal link in an email, to request with the test client."""
    match = re.search(r"https?://\S+", message.body_text)
    assert match, f"no link in {message.body_text!r}"
    return urlsplit(match.group(0)).path


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
