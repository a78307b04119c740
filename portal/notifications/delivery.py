"""Deliver the outbox over SMTP, or to .eml files in development, with retries and backoff."""

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.documents.models import StoredFile
from portal.documents.store import read_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most six hours."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email.set_content(message.body_text)
    for attachment in message.attachments or []:
        stored = db.session.scalar(
            select(StoredFile).where(StoredFile.sha256 == attachment["sha256"])
        )
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            read_bytes(stored), maintype=maintype, subtype=subtype, filename=attachment["filename"]
        )
    return email


def _deliver(email: EmailMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        folder = Path(config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        # Named by Message-ID: a retry rewrites the same file instead of adding a second.
        name = email["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        (folder / f"{name}.eml").write_bytes(bytes(email))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def send_due(limit: int = 100) -> tuple[int, int]:
    """Send messages that are due; return (sent, failed). Each message commits on its own."""
    sent = failed = 0
    now = utcnow()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    for message_id in ids:
        # Skip a row another sender holds, so two schedulers never send the same message.
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .with_for_update(skip_locked=True)
        )
        if message is None:
            db.session.rollback()
            continue
        message.attempts += 1
        try:
            _deliver(build_email(message))
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = utcnow() + backoff(message.attempts)
            failed += 1
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed
