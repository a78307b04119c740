"""Reading the outbox: the emails a test's requests queued and the links in them; and
queueing and sending a message as a service and the scheduler would."""

import re
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue_email

_URL = re.compile(r"https?://[^\s<>\"']+")


def outbox(to_address: str | None = None) -> list[OutboxMessage]:
    """Every queued message, or those to one address, oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to_address:
        query = query.where(OutboxMessage.to_address == to_address)
    return list(db.session.scalars(query))


def emails_to(address: str) -> list[OutboxMessage]:
    """The messages queued for one address, oldest first."""
    return outbox(address)


def receipts_sent(address: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.subject.like("Receipt %"))
    if address:
        query = query.where(OutboxMessage.to_address == address)
    return list(db.session.scalars(query))


def newest_email_to(address: str) -> OutboxMessage:
    """The most recent message queued for an address (a live server's thread commits
    before it replies)."""
    # The test's session may hold rows it loaded earlier; read what the server wrote since.
    db.session.expire_all()
    message = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    assert message is not None, f"no email was queued for {address}"
    return message


def link_path(message: OutboxMessage) -> str:
    """The path of the first portal link in an email, to request with the test client."""
    match = re.search(r"https?://\S+", message.body_text)
    assert match, f"no link in {message.body_text!r}"
    return urlsplit(match.group(0)).path


def link_in_email(message: OutboxMessage, containing: str = "") -> str:
    """The path and query of the first link in the body containing the text, for page.goto.

    Only the path is kept, so the link works against the live server whatever host
    the email names.
    """
    for url in _URL.findall(message.body_text):
        if containing in url:
            parts = urlsplit(url.rstrip(".,;)"))
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {containing!r} in {message.subject!r}")


# ---- the outbox's own tests: queue, send, read back ------------------------------------------


def queue(to_address: str = "owner@example.com", subject: str = "Hello", **kwargs) -> OutboxMessage:
    """Queue a message as a service would, and commit it."""
    with current_app.test_request_context():
        message = queue_email(
            to_address,
            subject,
            "auth_password_changed",
            user=kwargs.pop("user", {"name": "Olivia Owner"}),
            reset_link="https://portal.example.gov/account/password/forgot",
            **kwargs,
        )
        db.session.commit()
    return message


def send(app) -> str:
    """Run `flask outbox send` as the scheduler would; return what it printed."""
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def messages() -> list[OutboxMessage]:
    """Every message as the database holds it now, whatever this session loaded before."""
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
